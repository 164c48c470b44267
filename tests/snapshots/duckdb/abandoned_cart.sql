SELECT
  "t14"."contact_id"
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
        "t12"."cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t8"."cid",
            "t8"."key",
            MAX("t8"."ts") AS "ts"
          FROM (
            SELECT
              *
            FROM (
              SELECT
                "t4"."cid",
                "t4"."ts",
                "t4"."event_id",
                CASE
                  WHEN JSON_TYPE("t4"."properties" -> '/cart_id') = 'VARCHAR'
                  THEN (
                    "t4"."properties" -> '/cart_id'
                  ) ->> '$'
                  ELSE NULL
                END AS "key"
              FROM (
                SELECT
                  "t1"."event_id",
                  "t1"."contact_id",
                  "t1"."anonymous_id",
                  "t1"."name",
                  "t1"."ts",
                  "t1"."properties",
                  "t1"."contact_id" AS "cid"
                FROM "events" AS "t1"
                WHERE
                  "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
                  AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
                  AND "t1"."name" IN ('add_to_cart')
                  AND "t1"."contact_id" IS NOT NULL
                  AND TRUE
              ) AS "t4"
            ) AS "t6"
            WHERE
              "t6"."key" IS NOT NULL
          ) AS "t8"
          GROUP BY
            1,
            2
        ) AS "t10"
        WHERE
          "t10"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 10, 0, 0.0, 'UTC')
      ) AS "t12"
      ANTI JOIN (
        SELECT
          "t5"."cid" AS "b_cid",
          "t5"."ts" AS "b_ts",
          "t5"."event_id" AS "b_event_id",
          "t5"."key" AS "b_key"
        FROM (
          SELECT
            "t3"."cid",
            "t3"."ts",
            "t3"."event_id",
            CASE
              WHEN JSON_TYPE("t3"."properties" -> '/cart_id') = 'VARCHAR'
              THEN (
                "t3"."properties" -> '/cart_id'
              ) ->> '$'
              ELSE NULL
            END AS "key"
          FROM (
            SELECT
              "t1"."event_id",
              "t1"."contact_id",
              "t1"."anonymous_id",
              "t1"."name",
              "t1"."ts",
              "t1"."properties",
              "t1"."contact_id" AS "cid"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
              AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
              AND "t1"."name" IN ('purchase')
              AND "t1"."contact_id" IS NOT NULL
              AND TRUE
          ) AS "t3"
        ) AS "t5"
        WHERE
          "t5"."key" IS NOT NULL
      ) AS "t9"
        ON "t12"."cid" = "t9"."b_cid"
        AND "t9"."b_ts" >= "t12"."ts"
        AND "t12"."key" = "t9"."b_key"
    )
) AS "t14"
