SELECT
  "t10"."contact_id"
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
  ) AS "t2"
  WHERE
    "t2"."contact_id" IN (
      SELECT
        "t8"."cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t4"."cid",
            "t4"."key",
            MAX("t4"."ts") AS "ts"
          FROM (
            SELECT
              "t1"."contact_id" AS "cid",
              "t1"."ts",
              "t1"."event_id",
              CASE
                WHEN JSON_TYPE("t1"."properties" -> '$.cart_id') = 'VARCHAR'
                THEN (
                  "t1"."properties" -> '$.cart_id'
                ) ->> '$'
                ELSE NULL
              END AS "key"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
              AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
              AND "t1"."name" IN ('add_to_cart')
              AND "t1"."contact_id" IS NOT NULL
              AND TRUE
              AND CASE
                WHEN JSON_TYPE("t1"."properties" -> '$.cart_id') = 'VARCHAR'
                THEN (
                  "t1"."properties" -> '$.cart_id'
                ) ->> '$'
                ELSE NULL
              END IS NOT NULL
          ) AS "t4"
          GROUP BY
            1,
            2
        ) AS "t6"
        WHERE
          "t6"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 10, 0, 0.0, 'UTC')
      ) AS "t8"
      ANTI JOIN (
        SELECT
          "t1"."contact_id" AS "b_cid",
          "t1"."ts" AS "b_ts",
          "t1"."event_id" AS "b_event_id",
          CASE
            WHEN JSON_TYPE("t1"."properties" -> '$.cart_id') = 'VARCHAR'
            THEN (
              "t1"."properties" -> '$.cart_id'
            ) ->> '$'
            ELSE NULL
          END AS "b_key"
        FROM "events" AS "t1"
        WHERE
          "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
          AND "t1"."name" IN ('purchase')
          AND "t1"."contact_id" IS NOT NULL
          AND TRUE
          AND CASE
            WHEN JSON_TYPE("t1"."properties" -> '$.cart_id') = 'VARCHAR'
            THEN (
              "t1"."properties" -> '$.cart_id'
            ) ->> '$'
            ELSE NULL
          END IS NOT NULL
      ) AS "t5"
        ON "t8"."cid" = "t5"."b_cid"
        AND "t5"."b_ts" >= "t8"."ts"
        AND "t8"."key" = "t5"."b_key"
    )
) AS "t10"
