SELECT
  "t7"."contact_id" AS "contact_id"
FROM (
  SELECT
    "t3"."contact_id" AS "contact_id",
    "t3"."created_at" AS "created_at",
    "t6"."ev0" AS "ev0",
    "t6"."ev1" AS "ev1"
  FROM (
    SELECT
      "t0"."contact_id" AS "contact_id",
      "t0"."created_at" AS "created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  ) AS "t3"
  INNER JOIN (
    SELECT
      "t4"."cid" AS "cid",
      countIf(
        TRUE
        AND "t4"."name" IN ('purchase')
        AND COALESCE("t4"."product_id" = 'p_shoe_run_01', FALSE)
        AND (
          TRUE
          AND (
            "t4"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
          )
        )
      ) AS "ev0",
      countIf(
        TRUE
        AND "t4"."name" IN ('purchase')
        AND COALESCE("t4"."product_id" = 'p_socks_run_01', FALSE)
        AND (
          TRUE
          AND (
            "t4"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
          )
        )
      ) AS "ev1"
    FROM (
      SELECT
        "t1"."contact_id" AS "contact_id",
        "t1"."anonymous_id" AS "anonymous_id",
        "t1"."name" AS "name",
        "t1"."ts" AS "ts",
        "t1"."product_id" AS "product_id",
        "t1"."contact_id" AS "cid"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
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
        AND isNotNull("t1"."contact_id")
    ) AS "t4"
    GROUP BY
      "t4"."cid"
  ) AS "t6"
    ON "t3"."contact_id" = "t6"."cid"
) AS "t7"
WHERE
  TRUE
  AND COALESCE(COALESCE("t7"."ev0", 0) >= 1, FALSE)
  AND COALESCE(COALESCE("t7"."ev1", 0) = 0, FALSE)
