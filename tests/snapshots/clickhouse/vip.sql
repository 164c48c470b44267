SELECT
  "t7"."contact_id" AS "contact_id"
FROM (
  SELECT
    "t4"."contact_id" AS "contact_id",
    "t4"."created_at" AS "created_at",
    "t6"."ev0" AS "ev0"
  FROM (
    SELECT
      "t0"."contact_id" AS "contact_id",
      "t0"."created_at" AS "created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  ) AS "t4"
  INNER JOIN (
    SELECT
      "t3"."cid" AS "cid",
      sumIf(
        "t3"."amount",
        TRUE
        AND "t3"."name" IN ('purchase')
        AND (
          TRUE
          AND (
            "t3"."ts" > parseDateTimeBestEffort('2026-08-30T12:00:00+00:00', 'UTC')
          )
          AND (
            "t3"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
          )
        )
      ) AS "ev0"
    FROM (
      SELECT
        "t1"."contact_id" AS "contact_id",
        "t1"."anonymous_id" AS "anonymous_id",
        "t1"."name" AS "name",
        "t1"."ts" AS "ts",
        "t1"."amount" AS "amount",
        "t1"."contact_id" AS "cid"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
        AND "t1"."ts" >= parseDateTimeBestEffort('2026-08-30T12:00:00+00:00', 'UTC')
        AND "t1"."name" IN ('purchase')
        AND isNotNull("t1"."contact_id")
    ) AS "t3"
    GROUP BY
      "t3"."cid"
  ) AS "t6"
    ON "t4"."contact_id" = "t6"."cid"
) AS "t7"
WHERE
  COALESCE(COALESCE("t7"."ev0", 0) > CAST('1000.0000' AS Nullable(Decimal(38, 4))), FALSE)
