SELECT
  "t7"."contact_id"
FROM (
  SELECT
    "t4"."contact_id",
    "t4"."created_at",
    "t6"."ev0"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  ) AS "t4"
  INNER JOIN (
    SELECT
      "t3"."cid",
      SUM("t3"."amount") FILTER(WHERE
        TRUE
        AND "t3"."name" IN ('purchase')
        AND (
          TRUE
          AND (
            "t3"."ts" > MAKE_TIMESTAMPTZ(2026, 8, 30, 12, 0, 0.0, 'UTC')
          )
          AND (
            "t3"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev0"
    FROM (
      SELECT
        "t1"."contact_id",
        "t1"."anonymous_id",
        "t1"."name",
        "t1"."ts",
        "t1"."amount",
        "t1"."contact_id" AS "cid"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
        AND "t1"."ts" >= MAKE_TIMESTAMPTZ(2026, 8, 30, 12, 0, 0.0, 'UTC')
        AND "t1"."name" IN ('purchase')
        AND "t1"."contact_id" IS NOT NULL
    ) AS "t3"
    GROUP BY
      1
  ) AS "t6"
    ON "t4"."contact_id" = "t6"."cid"
) AS "t7"
WHERE
  COALESCE(COALESCE("t7"."ev0", 0) > CAST('1000.0000' AS DECIMAL(38, 4)), FALSE)
