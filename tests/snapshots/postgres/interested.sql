WITH "t12" AS (
  SELECT
    "t7"."event_id",
    "t7"."contact_id",
    "t7"."anonymous_id",
    "t7"."name",
    "t7"."ts",
    "t7"."product_id",
    "t11"."link_anonymous_id",
    "t11"."link_contact_id"
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
      "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
      AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
      AND "t1"."name" IN ('page_view')
  ) AS "t7"
  LEFT OUTER JOIN (
    SELECT
      "t9"."anonymous_id" AS "link_anonymous_id",
      MAX("t9"."contact_id") AS "link_contact_id"
    FROM (
      SELECT
        "t3"."anonymous_id",
        "t3"."contact_id",
        "t3"."linked_at",
        "t8"."latest_at"
      FROM "identities" AS "t3"
      INNER JOIN (
        SELECT
          "t2"."anonymous_id",
          MAX("t2"."linked_at") AS "latest_at"
        FROM "identities" AS "t2"
        GROUP BY
          1
      ) AS "t8"
        ON "t3"."anonymous_id" = "t8"."anonymous_id" AND "t3"."linked_at" = "t8"."latest_at"
    ) AS "t9"
    GROUP BY
      1
  ) AS "t11"
    ON "t7"."anonymous_id" = "t11"."link_anonymous_id"
)
SELECT
  "t19"."contact_id"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
  ) AS "t4"
  WHERE
    "t4"."contact_id" IN (
      SELECT
        "t16"."cid_0"
      FROM (
        SELECT
          COALESCE("t13"."contact_id", "t13"."link_contact_id") AS "cid_0",
          "t13"."ts" AS "ts_0",
          "t13"."event_id" AS "event_id_0",
          "t13"."product_id" AS "key_0"
        FROM "t12" AS "t13"
        WHERE
          COALESCE("t13"."contact_id", "t13"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t13"."name" IN ('page_view')
          AND COALESCE((
            "t13"."product_id" IS NOT NULL
          ) AND (
            "t13"."product_id" <> ''
          ), FALSE)
          AND "t13"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
          AND "t13"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
          AND "t13"."product_id" IS NOT NULL
      ) AS "t16"
      INNER JOIN (
        SELECT
          COALESCE("t13"."contact_id", "t13"."link_contact_id") AS "cid_1",
          "t13"."ts" AS "ts_1",
          "t13"."event_id" AS "event_id_1",
          "t13"."product_id" AS "key_1"
        FROM "t12" AS "t13"
        WHERE
          COALESCE("t13"."contact_id", "t13"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t13"."name" IN ('page_view')
          AND COALESCE((
            "t13"."product_id" IS NOT NULL
          ) AND (
            "t13"."product_id" <> ''
          ), FALSE)
          AND "t13"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
          AND "t13"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
          AND "t13"."product_id" IS NOT NULL
      ) AS "t17"
        ON "t16"."cid_0" = "t17"."cid_1"
        AND "t17"."ts_1" >= "t16"."ts_0"
        AND "t17"."event_id_1" <> "t16"."event_id_0"
        AND "t17"."key_1" = "t16"."key_0"
        AND "t17"."ts_1" <= (
          "t16"."ts_0" + INTERVAL '604800 SECOND'
        )
    )
) AS "t19"
