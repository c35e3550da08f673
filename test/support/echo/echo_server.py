#!/usr/bin/python3
"""The same raw-bytes echo backend as echo-server.ts, on python3-grpcio (gRPC's C core).

Usage: /usr/bin/python3 echo_server.py PORT   -- prints "listening PORT" once serving.
Request metadata: x-echo-status / x-echo-message or x-echo-message-bin (UTF-8) (error before any message), x-echo-count
(ServerStream repeats), x-echo-delay-ms; x-echo-meta-* comes back in headers and trailers.
"""
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

SERVICE = "shopmesh.test.Echo"


def _meta(context):
    return dict(context.invocation_metadata())


def _echoed(md):
    return tuple((k, v) for k, v in md.items() if k.startswith("x-echo-meta-"))


def _prologue(context):
    md = _meta(context)
    delay = int(md.get("x-echo-delay-ms", "0"))
    if delay:
        time.sleep(delay / 1000)
    status = md.get("x-echo-status")
    if status is not None:
        context.set_trailing_metadata(_echoed(md))
        message = md["x-echo-message-bin"].decode("utf-8") if "x-echo-message-bin" in md else md.get("x-echo-message", "echo error")
        context.abort(grpc.StatusCode(_code(int(status))), message)
    context.send_initial_metadata(_echoed(md))
    context.set_trailing_metadata(_echoed(md))
    return md


def _code(n):
    for code in grpc.StatusCode:
        if code.value[0] == n:
            return code.value
    return grpc.StatusCode.UNKNOWN.value


def unary(request, context):
    _prologue(context)
    return request


def server_stream(request, context):
    md = _prologue(context)
    for _ in range(int(md.get("x-echo-count", "3"))):
        yield request


def client_stream(request_iterator, context):
    _prologue(context)
    return b"".join(request_iterator)


def bidi(request_iterator, context):
    _prologue(context)
    for message in request_iterator:
        yield message


def main():
    port = int(sys.argv[1])
    ident = lambda b: b  # noqa: E731 -- raw bytes both ways
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary, ident, ident),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream, ident, ident),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream, ident, ident),
        "Bidi": grpc.stream_stream_rpc_method_handler(bidi, ident, ident),
    }
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32),
        handlers=[grpc.method_handlers_generic_handler(SERVICE, handlers)],
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
