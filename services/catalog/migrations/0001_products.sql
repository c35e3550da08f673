-- Products, split vertically: the hot core that listings read, and cold details read only
-- when one product is shown. Keys are UUIDs (no sequences: CockroachDB hot-spots them).
CREATE TABLE IF NOT EXISTS products (
  tenant_id      TEXT        NOT NULL,
  id             UUID        NOT NULL DEFAULT gen_random_uuid(),
  sku            TEXT        NOT NULL,
  name           TEXT        NOT NULL,
  price_currency TEXT        NOT NULL,
  price_units    BIGINT      NOT NULL,
  price_nanos    INT         NOT NULL,
  status         TEXT        NOT NULL,
  version        BIGINT      NOT NULL DEFAULT 1,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CONSTRAINT products_sku_unique UNIQUE (tenant_id, sku),
  CONSTRAINT products_status_known CHECK (status IN ('DRAFT', 'ACTIVE', 'ARCHIVED')),
  CONSTRAINT products_price_not_negative CHECK (price_units >= 0 AND price_nanos >= 0 AND price_nanos < 1000000000)
);

-- Listing: one tenant, one status, ordered by (name, id) for keyset pagination.
CREATE INDEX IF NOT EXISTS products_listing_idx ON products (tenant_id, status, name, id);

CREATE TABLE IF NOT EXISTS product_details (
  tenant_id   TEXT  NOT NULL,
  product_id  UUID  NOT NULL,
  description TEXT  NOT NULL DEFAULT '',
  attributes  JSONB NOT NULL DEFAULT '{}',
  image_urls  JSONB NOT NULL DEFAULT '[]',
  PRIMARY KEY (tenant_id, product_id),
  CONSTRAINT product_details_product_fk FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
