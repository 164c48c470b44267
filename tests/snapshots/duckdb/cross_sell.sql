SELECT
  "t7"."contact_id"
FROM (
  SELECT
    "t3"."contact_id",
    "t3"."created_at",
    "t6"."ev0",
    "t6"."ev1"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  ) AS "t3"
  INNER JOIN (
    SELECT
      "t4"."cid",
      COUNT(*) FILTER(WHERE
        TRUE
        AND "t4"."name" IN ('purchase')
        AND COALESCE("t4"."product_id" = 'p_shoe_run_01', FALSE)
        AND (
          TRUE AND (
            "t4"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev0",
      COUNT(*) FILTER(WHERE
        TRUE
        AND "t4"."name" IN ('purchase')
        AND COALESCE("t4"."product_id" = 'p_socks_run_01', FALSE)
        AND (
          TRUE AND (
            "t4"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev1"
    FROM (
      SELECT
        "t1"."contact_id",
        "t1"."anonymous_id",
        "t1"."name",
        "t1"."ts",
        "t1"."product_id",
        "t1"."contact_id" AS "cid"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
        AND "t1"."name" IN ('purchase')
        AND (
          (
            TRUE
            AND "t1"."name" IN ('purchase')
            AND COALESCE("t1"."product_id" = 'p_shoe_run_01', FALSE)
          )
          OR (
            TRUE
            AND "t1"."name" IN ('purchase')
            AND COALESCE("t1"."product_id" = 'p_socks_run_01', FALSE)
          )
        )
        AND "t1"."contact_id" IS NOT NULL
    ) AS "t4"
    GROUP BY
      1
  ) AS "t6"
    ON "t3"."contact_id" = "t6"."cid"
) AS "t7"
WHERE
  TRUE
  AND COALESCE(COALESCE("t7"."ev0", 0) >= 1, FALSE)
  AND COALESCE(COALESCE("t7"."ev1", 0) = 0, FALSE)
