WITH "t10" AS (
  SELECT
    "t6"."event_id",
    "t6"."contact_id",
    "t6"."anonymous_id",
    "t6"."name",
    "t6"."ts",
    "t6"."product_id",
    "t9"."link_anonymous_id",
    "t9"."link_contact_id"
  FROM (
    SELECT
      "t1"."event_id",
      "t1"."contact_id",
      "t1"."anonymous_id",
      "t1"."name",
      "t1"."ts",
      "t1"."product_id"
    FROM "events" AS "t1"
    WHERE
      "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
      AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
      AND "t1"."name" IN ('page_view')
  ) AS "t6"
  LEFT OUTER JOIN (
    SELECT
      "t7"."anonymous_id" AS "link_anonymous_id",
      FIRST(
        "t7"."contact_id" ORDER BY {'at': "t7"."linked_at", 'id': "t7"."contact_id"} DESC
      ) AS "link_contact_id"
    FROM (
      SELECT
        *
      FROM "identities" AS "t2"
      WHERE
        "t2"."anonymous_id" IN (
          SELECT
            "t1"."anonymous_id"
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
            AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
            AND "t1"."name" IN ('page_view')
            AND "t1"."contact_id" IS NULL
        )
    ) AS "t7"
    GROUP BY
      1
  ) AS "t9"
    ON "t6"."anonymous_id" = "t9"."link_anonymous_id"
)
SELECT
  "t17"."contact_id"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  ) AS "t3"
  WHERE
    "t3"."contact_id" IN (
      SELECT
        "t14"."cid_0"
      FROM (
        SELECT
          COALESCE("t11"."contact_id", "t11"."link_contact_id") AS "cid_0",
          "t11"."ts" AS "ts_0",
          "t11"."event_id" AS "event_id_0",
          "t11"."product_id" AS "key_0"
        FROM "t10" AS "t11"
        WHERE
          COALESCE("t11"."contact_id", "t11"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t11"."name" IN ('page_view')
          AND COALESCE((
            "t11"."product_id" IS NOT NULL
          ) AND (
            "t11"."product_id" <> ''
          ), FALSE)
          AND "t11"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
          AND "t11"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          AND "t11"."product_id" IS NOT NULL
      ) AS "t14"
      INNER JOIN (
        SELECT
          COALESCE("t11"."contact_id", "t11"."link_contact_id") AS "cid_1",
          "t11"."ts" AS "ts_1",
          "t11"."event_id" AS "event_id_1",
          "t11"."product_id" AS "key_1"
        FROM "t10" AS "t11"
        WHERE
          COALESCE("t11"."contact_id", "t11"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t11"."name" IN ('page_view')
          AND COALESCE((
            "t11"."product_id" IS NOT NULL
          ) AND (
            "t11"."product_id" <> ''
          ), FALSE)
          AND "t11"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
          AND "t11"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          AND "t11"."product_id" IS NOT NULL
      ) AS "t15"
        ON "t14"."cid_0" = "t15"."cid_1"
        AND "t15"."ts_1" >= "t14"."ts_0"
        AND "t15"."event_id_1" <> "t14"."event_id_0"
        AND "t15"."key_1" = "t14"."key_0"
        AND "t15"."ts_1" <= (
          "t14"."ts_0" + INTERVAL '604800' SECOND
        )
    )
) AS "t17"
