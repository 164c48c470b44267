WITH "t7" AS (
  SELECT
    *
  FROM "identities" AS "t2"
  WHERE
    CAST("t2"."anonymous_id" IN (
      SELECT
        "t1"."anonymous_id" AS "anonymous_id"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
        AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
        AND "t1"."name" IN ('page_view')
        AND isNull("t1"."contact_id")
    ) AS Nullable(Bool))
)
SELECT
  "t19"."contact_id" AS "contact_id"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t0"."contact_id" AS "contact_id",
      "t0"."created_at" AS "created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  ) AS "t3"
  WHERE
    CAST("t3"."contact_id" IN (
      SELECT
        "t17"."cid" AS "cid"
      FROM (
        SELECT
          "t16"."cid" AS "cid",
          "t16"."key" AS "key",
          COUNT(*) AS "n"
        FROM (
          SELECT
            COALESCE("t15"."contact_id", "t15"."link_contact_id") AS "cid",
            "t15"."ts" AS "ts",
            "t15"."event_id" AS "event_id",
            "t15"."product_id" AS "key"
          FROM (
            SELECT
              "t6"."event_id" AS "event_id",
              "t6"."contact_id" AS "contact_id",
              "t6"."anonymous_id" AS "anonymous_id",
              "t6"."name" AS "name",
              "t6"."ts" AS "ts",
              "t6"."product_id" AS "product_id",
              "t14"."link_anonymous_id" AS "link_anonymous_id",
              "t14"."link_contact_id" AS "link_contact_id"
            FROM (
              SELECT
                "t1"."event_id" AS "event_id",
                "t1"."contact_id" AS "contact_id",
                "t1"."anonymous_id" AS "anonymous_id",
                "t1"."name" AS "name",
                "t1"."ts" AS "ts",
                "t1"."product_id" AS "product_id"
              FROM "events" AS "t1"
              WHERE
                "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
                AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
                AND "t1"."name" IN ('page_view')
            ) AS "t6"
            LEFT OUTER JOIN (
              SELECT
                "t12"."anonymous_id" AS "link_anonymous_id",
                MAX("t12"."contact_id") AS "link_contact_id"
              FROM (
                SELECT
                  "t9"."anonymous_id" AS "anonymous_id",
                  "t9"."contact_id" AS "contact_id",
                  "t9"."linked_at" AS "linked_at",
                  "t11"."latest_at" AS "latest_at"
                FROM "t7" AS "t9"
                INNER JOIN (
                  SELECT
                    "t8"."anonymous_id" AS "anonymous_id",
                    MAX("t8"."linked_at") AS "latest_at"
                  FROM "t7" AS "t8"
                  GROUP BY
                    "t8"."anonymous_id"
                ) AS "t11"
                  ON "t9"."anonymous_id" = "t11"."anonymous_id"
                  AND "t9"."linked_at" = "t11"."latest_at"
              ) AS "t12"
              GROUP BY
                "t12"."anonymous_id"
            ) AS "t14"
              ON "t6"."anonymous_id" = "t14"."link_anonymous_id"
          ) AS "t15"
          WHERE
            isNotNull(COALESCE("t15"."contact_id", "t15"."link_contact_id"))
            AND TRUE
            AND "t15"."name" IN ('page_view')
            AND COALESCE(isNotNull("t15"."product_id") AND (
              "t15"."product_id" <> ''
            ), FALSE)
            AND "t15"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
            AND "t15"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
            AND isNotNull("t15"."product_id")
        ) AS "t16"
        GROUP BY
          "t16"."cid",
          "t16"."key"
      ) AS "t17"
      WHERE
        "t17"."n" >= 2
    ) AS Nullable(Bool))
) AS "t19"
