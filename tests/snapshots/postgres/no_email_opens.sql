WITH "t8" AS (
  SELECT
    *
  FROM "identities" AS "t2"
  WHERE
    "t2"."anonymous_id" IN (
      SELECT
        "t1"."anonymous_id"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."ts" >= CAST('2026-10-31T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."name" IN ('email_open', 'email_sent')
        AND "t1"."contact_id" IS NULL
    )
)
SELECT
  "t20"."contact_id"
FROM (
  SELECT
    "t6"."contact_id",
    "t6"."created_at",
    "t19"."ev0",
    "t19"."ev1"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
  ) AS "t6"
  INNER JOIN (
    SELECT
      "t17"."cid",
      COUNT(*) FILTER(WHERE
        TRUE
        AND "t17"."name" IN ('email_sent')
        AND (
          TRUE
          AND (
            "t17"."ts" > CAST('2026-10-31T12:00:00+00:00' AS TIMESTAMPTZ)
          )
          AND (
            "t17"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
          )
        )) AS "ev0",
      COUNT(*) FILTER(WHERE
        TRUE
        AND "t17"."name" IN ('email_open')
        AND (
          TRUE
          AND (
            "t17"."ts" > CAST('2026-10-31T12:00:00+00:00' AS TIMESTAMPTZ)
          )
          AND (
            "t17"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
          )
        )) AS "ev1"
    FROM (
      SELECT
        "t16"."contact_id",
        "t16"."anonymous_id",
        "t16"."name",
        "t16"."ts",
        "t16"."link_anonymous_id",
        "t16"."link_contact_id",
        COALESCE("t16"."contact_id", "t16"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t7"."contact_id",
          "t7"."anonymous_id",
          "t7"."name",
          "t7"."ts",
          "t15"."link_anonymous_id",
          "t15"."link_contact_id"
        FROM (
          SELECT
            "t1"."contact_id",
            "t1"."anonymous_id",
            "t1"."name",
            "t1"."ts"
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
            AND "t1"."ts" >= CAST('2026-10-31T12:00:00+00:00' AS TIMESTAMPTZ)
            AND "t1"."name" IN ('email_open', 'email_sent')
        ) AS "t7"
        LEFT OUTER JOIN (
          SELECT
            "t13"."anonymous_id" AS "link_anonymous_id",
            MAX("t13"."contact_id") AS "link_contact_id"
          FROM (
            SELECT
              "t10"."anonymous_id",
              "t10"."contact_id",
              "t10"."linked_at",
              "t12"."latest_at"
            FROM "t8" AS "t10"
            INNER JOIN (
              SELECT
                "t9"."anonymous_id",
                MAX("t9"."linked_at") AS "latest_at"
              FROM "t8" AS "t9"
              GROUP BY
                1
            ) AS "t12"
              ON "t10"."anonymous_id" = "t12"."anonymous_id"
              AND "t10"."linked_at" = "t12"."latest_at"
          ) AS "t13"
          GROUP BY
            1
        ) AS "t15"
          ON "t7"."anonymous_id" = "t15"."link_anonymous_id"
      ) AS "t16"
      WHERE
        COALESCE("t16"."contact_id", "t16"."link_contact_id") IS NOT NULL
    ) AS "t17"
    GROUP BY
      1
  ) AS "t19"
    ON "t6"."contact_id" = "t19"."cid"
) AS "t20"
WHERE
  TRUE
  AND COALESCE(COALESCE("t20"."ev0", 0) >= 1, FALSE)
  AND COALESCE(COALESCE("t20"."ev1", 0) = 0, FALSE)
