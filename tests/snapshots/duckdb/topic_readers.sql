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
        "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
        AND "t1"."ts" >= MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
        AND "t1"."name" IN ('page_view')
        AND TRUE
        AND COALESCE(STARTS_WITH(LOWER("t1"."url"), '/blog/'), FALSE)
        AND COALESCE("t1"."category" = 'running', FALSE)
        AND "t1"."contact_id" IS NULL
    )
)
SELECT
  "t20"."contact_id"
FROM (
  SELECT
    "t4"."contact_id",
    "t4"."created_at",
    "t19"."ev0"
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
      "t17"."cid",
      COUNT(*) FILTER(WHERE
        TRUE
        AND "t17"."name" IN ('page_view')
        AND COALESCE(STARTS_WITH(LOWER("t17"."url"), '/blog/'), FALSE)
        AND COALESCE("t17"."category" = 'running', FALSE)
        AND (
          TRUE
          AND (
            "t17"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
          )
          AND (
            "t17"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev0"
    FROM (
      SELECT
        "t16"."contact_id",
        "t16"."anonymous_id",
        "t16"."name",
        "t16"."ts",
        "t16"."url",
        "t16"."category",
        "t16"."link_anonymous_id",
        "t16"."link_contact_id",
        COALESCE("t16"."contact_id", "t16"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t7"."contact_id",
          "t7"."anonymous_id",
          "t7"."name",
          "t7"."ts",
          "t7"."url",
          "t7"."category",
          "t15"."link_anonymous_id",
          "t15"."link_contact_id"
        FROM (
          SELECT
            "t1"."contact_id",
            "t1"."anonymous_id",
            "t1"."name",
            "t1"."ts",
            "t1"."url",
            "t1"."category"
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
            AND "t1"."ts" >= MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
            AND "t1"."name" IN ('page_view')
            AND TRUE
            AND COALESCE(STARTS_WITH(LOWER("t1"."url"), '/blog/'), FALSE)
            AND COALESCE("t1"."category" = 'running', FALSE)
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
    ON "t4"."contact_id" = "t19"."cid"
) AS "t20"
WHERE
  COALESCE(COALESCE("t20"."ev0", 0) >= 3, FALSE)
