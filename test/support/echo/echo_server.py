#!/usr/bin/python3
"""The same raw-bytes echo backend as echo-server.ts, on python3-grpcio (gRPC's C core).

Usage: /usr/bin/python3 echo_server.py PORT   -- prints "listening PORT" once serving.
Request metadata: x-echo-status / x-echo-message or x-echo-message-bin (UTF-8) (error before any message), x-echo-count
(ServerStream repeats), x-echo-delay-ms (once, before answering; cut short when the call is cancelled);
x-echo-meta-* comes back in headers and trailers.
What the server saw is answered as JSON by shopmesh.test.EchoStats/Get (call it directly, not through a proxy):
calls by method, cancelled (calls cancelled before the handler answered: client cancel or deadline),
lastDeadlineMs (time left when the last call started, null without a deadline), sent (response messages handed to gRPC).
"""
import json
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

SERVICE = "shopmesh.test.Echo"
STATS_SERVICE = "shopmesh.test.EchoStats"
# Above this, time_remaining() means "no deadline" (the C core's infinite future).
NO_DEADLINE_S = 1e8

_lock = threading.Lock()
_stats = {"calls": {}, "cancelled": 0, "lastDeadlineMs": None, "sent": 0}


def _meta(context):
    return dict(context.invocation_metadata())


def _echoed(md):
    return tuple((k, v) for k, v in md.items() if k.startswith("x-echo-meta-"))


def _sleep_while_active(context, seconds):
    # A real server stops working on a cancelled call; polling is_active() is grpcio's way to notice.
    until = time.monotonic() + seconds
    while context.is_active() and time.monotonic() < until:
        time.sleep(min(0.01, max(0.0, until - time.monotonic())))


def _prologue(context, answered):
    md = _meta(context)
    delay = int(md.get("x-echo-delay-ms", "0"))
    if delay:
        _sleep_while_active(context, delay / 1000)
        if not context.is_active():
            context.abort(grpc.StatusCode.CANCELLED, "cancelled while working")  # not sent: the call is over
    status = md.get("x-echo-status")
    if status is not None:
        context.set_trailing_metadata(_echoed(md))
        message = md["x-echo-message-bin"].decode("utf-8") if "x-echo-message-bin" in md else md.get("x-echo-message", "echo error")
        answered.set()
        context.abort(grpc.StatusCode(_code(int(status))), message)
    context.send_initial_metadata(_echoed(md))
    context.set_trailing_metadata(_echoed(md))
    return md


def _code(n):
    for code in grpc.StatusCode:
        if code.value[0] == n:
            return code.value
    return grpc.StatusCode.UNKNOWN.value


def _seen(method, context):
    """Counts the call; returns the flag its handler sets when it answers. A call that terminates
    (add_callback) without an answer was cancelled under the handler: by the client or its deadline.
    (A cancelled call's request iterator raises and its generator is closed: ending is not answering.)"""
    remaining = context.time_remaining()
    with _lock:
        _stats["calls"][method] = _stats["calls"].get(method, 0) + 1
        _stats["lastDeadlineMs"] = None if remaining > NO_DEADLINE_S else remaining * 1000
    answered = threading.Event()

    def on_termination():
        if _was_cancelled(context, answered):
            with _lock:
                _stats["cancelled"] += 1

    context.add_callback(on_termination)
    return answered


def _was_cancelled(context, answered):
    # grpcio has no public "was this call cancelled" once it is over, and a reset can reach the handler
    # as a plain end of the request stream; the C core's verdict (RecvCloseOnServer.cancelled) is kept in
    # _state.client. Without it (another grpcio), an unanswered call is the best guess.
    client = getattr(getattr(context, "_state", None), "client", None)
    if isinstance(client, str):
        return client == "cancelled"
    return not answered.is_set()


def _sent():
    with _lock:
        _stats["sent"] += 1


def unary(request, context):
    answered = _seen("Unary", context)
    _prologue(context, answered)
    answered.set()
    return request


def server_stream(request, context):
    answered = _seen("ServerStream", context)
    md = _prologue(context, answered)
    for _ in range(int(md.get("x-echo-count", "3"))):
        if not context.is_active():
            return
        yield request
        _sent()
    answered.set()


def client_stream(request_iterator, context):
    answered = _seen("ClientStream", context)
    _prologue(context, answered)
    data = b"".join(request_iterator)
    answered.set()
    return data


def bidi(request_iterator, context):
    answered = _seen("Bidi", context)
    _prologue(context, answered)
    for message in request_iterator:
        yield message
        _sent()
    answered.set()


def stats(_request, _context):
    with _lock:
        return json.dumps(_stats).encode("utf-8")


def main():
    port = int(sys.argv[1])
    ident = lambda b: b  # noqa: E731 -- raw bytes both ways
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary, ident, ident),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream, ident, ident),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream, ident, ident),
        "Bidi": grpc.stream_stream_rpc_method_handler(bidi, ident, ident),
    }
    stats_handlers = {"Get": grpc.unary_unary_rpc_method_handler(stats, ident, ident)}
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32),
        handlers=[grpc.method_handlers_generic_handler(SERVICE, handlers), grpc.method_handlers_generic_handler(STATS_SERVICE, stats_handlers)],
        options=[("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)],
    )
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print(f"listening {bound}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
