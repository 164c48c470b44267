SELECT
  "t7"."contact_id"
FROM (
  SELECT
    "t4"."contact_id",
    "t4"."created_at",
    "t6"."ev0",
    "t6"."ev1"
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
      COUNT(*) FILTER(WHERE
        TRUE
        AND "t3"."name" IN ('email_sent')
        AND (
          TRUE
          AND (
            "t3"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          )
          AND (
            "t3"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev0",
      COUNT(*) FILTER(WHERE
        TRUE
        AND "t3"."name" IN ('email_open')
        AND (
          TRUE
          AND (
            "t3"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          )
          AND (
            "t3"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev1"
    FROM (
      SELECT
        "t1"."contact_id",
        "t1"."anonymous_id",
        "t1"."name",
        "t1"."ts",
        "t1"."contact_id" AS "cid"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
        AND "t1"."ts" >= MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
        AND "t1"."name" IN ('email_open', 'email_sent')
        AND "t1"."contact_id" IS NOT NULL
    ) AS "t3"
    GROUP BY
      1
  ) AS "t6"
    ON "t4"."contact_id" = "t6"."cid"
) AS "t7"
WHERE
  TRUE
  AND COALESCE(COALESCE("t7"."ev0", 0) >= 1, FALSE)
  AND COALESCE(COALESCE("t7"."ev1", 0) = 0, FALSE)
