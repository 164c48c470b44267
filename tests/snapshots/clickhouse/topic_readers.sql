WITH "t5" AS (
  SELECT
    *
  FROM "events" AS "t1"
  WHERE
    "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
    AND "t1"."ts" >= parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
    AND "t1"."name" IN ('page_view')
    AND TRUE
    AND COALESCE(startsWith(lowerUTF8("t1"."url"), '/blog/'), FALSE)
    AND COALESCE("t1"."category" = 'running', FALSE)
), "t10" AS (
  SELECT
    *
  FROM "identities" AS "t2"
  WHERE
    CAST("t2"."anonymous_id" IN (
      SELECT
        "t6"."anonymous_id" AS "anonymous_id"
      FROM "t5" AS "t6"
      WHERE
        isNull("t6"."contact_id")
    ) AS Nullable(Bool))
)
SELECT
  "t22"."contact_id" AS "contact_id"
FROM (
  SELECT
    "t4"."contact_id" AS "contact_id",
    "t4"."created_at" AS "created_at",
    "t21"."ev0" AS "ev0"
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
      "t19"."cid" AS "cid",
      countIf(
        TRUE
        AND "t19"."name" IN ('page_view')
        AND COALESCE(startsWith(lowerUTF8("t19"."url"), '/blog/'), FALSE)
        AND COALESCE("t19"."category" = 'running', FALSE)
        AND (
          TRUE
          AND (
            "t19"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
          )
          AND (
            "t19"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
          )
        )
      ) AS "ev0"
    FROM (
      SELECT
        "t18"."contact_id" AS "contact_id",
        "t18"."anonymous_id" AS "anonymous_id",
        "t18"."name" AS "name",
        "t18"."ts" AS "ts",
        "t18"."url" AS "url",
        "t18"."category" AS "category",
        "t18"."link_anonymous_id" AS "link_anonymous_id",
        "t18"."link_contact_id" AS "link_contact_id",
        COALESCE("t18"."contact_id", "t18"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t9"."contact_id" AS "contact_id",
          "t9"."anonymous_id" AS "anonymous_id",
          "t9"."name" AS "name",
          "t9"."ts" AS "ts",
          "t9"."url" AS "url",
          "t9"."category" AS "category",
          "t17"."link_anonymous_id" AS "link_anonymous_id",
          "t17"."link_contact_id" AS "link_contact_id"
        FROM (
          SELECT
            "t6"."contact_id" AS "contact_id",
            "t6"."anonymous_id" AS "anonymous_id",
            "t6"."name" AS "name",
            "t6"."ts" AS "ts",
            "t6"."url" AS "url",
            "t6"."category" AS "category"
          FROM "t5" AS "t6"
        ) AS "t9"
        LEFT OUTER JOIN (
          SELECT
            "t15"."anonymous_id" AS "link_anonymous_id",
            MAX("t15"."contact_id") AS "link_contact_id"
          FROM (
            SELECT
              "t12"."anonymous_id" AS "anonymous_id",
              "t12"."contact_id" AS "contact_id",
              "t12"."linked_at" AS "linked_at",
              "t14"."latest_at" AS "latest_at"
            FROM "t10" AS "t12"
            INNER JOIN (
              SELECT
                "t11"."anonymous_id" AS "anonymous_id",
                MAX("t11"."linked_at") AS "latest_at"
              FROM "t10" AS "t11"
              GROUP BY
                "t11"."anonymous_id"
            ) AS "t14"
              ON "t12"."anonymous_id" = "t14"."anonymous_id"
              AND "t12"."linked_at" = "t14"."latest_at"
          ) AS "t15"
          GROUP BY
            "t15"."anonymous_id"
        ) AS "t17"
          ON "t9"."anonymous_id" = "t17"."link_anonymous_id"
      ) AS "t18"
      WHERE
        isNotNull(COALESCE("t18"."contact_id", "t18"."link_contact_id"))
    ) AS "t19"
    GROUP BY
      "t19"."cid"
  ) AS "t21"
    ON "t4"."contact_id" = "t21"."cid"
) AS "t22"
WHERE
  COALESCE(COALESCE("t22"."ev0", 0) >= 3, FALSE)
