WITH "t21" AS (
  SELECT
    *
  FROM (
    SELECT
      "t17"."cid" AS "cid",
      "t17"."ts" AS "ts",
      "t17"."event_id" AS "event_id",
      CASE
        WHEN JSONType(CAST("t17"."properties" AS Nullable(String)), 'cart_id') IN ('String')
        THEN JSONExtractString(CAST("t17"."properties" AS Nullable(String)), 'cart_id')
        ELSE CAST(NULL AS Nullable(String))
      END AS "key"
    FROM (
      SELECT
        "t15"."event_id" AS "event_id",
        "t15"."contact_id" AS "contact_id",
        "t15"."anonymous_id" AS "anonymous_id",
        "t15"."name" AS "name",
        "t15"."ts" AS "ts",
        "t15"."properties" AS "properties",
        "t15"."link_anonymous_id" AS "link_anonymous_id",
        "t15"."link_contact_id" AS "link_contact_id",
        COALESCE("t15"."contact_id", "t15"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t9"."event_id" AS "event_id",
          "t9"."contact_id" AS "contact_id",
          "t9"."anonymous_id" AS "anonymous_id",
          "t9"."name" AS "name",
          "t9"."ts" AS "ts",
          "t9"."properties" AS "properties",
          "t13"."link_anonymous_id" AS "link_anonymous_id",
          "t13"."link_contact_id" AS "link_contact_id"
        FROM (
          SELECT
            "t1"."event_id" AS "event_id",
            "t1"."contact_id" AS "contact_id",
            "t1"."anonymous_id" AS "anonymous_id",
            "t1"."name" AS "name",
            "t1"."ts" AS "ts",
            "t1"."properties" AS "properties"
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
            AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
            AND "t1"."name" IN ('add_to_cart')
        ) AS "t9"
        LEFT OUTER JOIN (
          SELECT
            "t11"."anonymous_id" AS "link_anonymous_id",
            MAX("t11"."contact_id") AS "link_contact_id"
          FROM (
            SELECT
              "t3"."anonymous_id" AS "anonymous_id",
              "t3"."contact_id" AS "contact_id",
              "t3"."linked_at" AS "linked_at",
              "t10"."latest_at" AS "latest_at"
            FROM "identities" AS "t3"
            INNER JOIN (
              SELECT
                "t2"."anonymous_id" AS "anonymous_id",
                MAX("t2"."linked_at") AS "latest_at"
              FROM "identities" AS "t2"
              GROUP BY
                "t2"."anonymous_id"
            ) AS "t10"
              ON "t3"."anonymous_id" = "t10"."anonymous_id"
              AND "t3"."linked_at" = "t10"."latest_at"
          ) AS "t11"
          GROUP BY
            "t11"."anonymous_id"
        ) AS "t13"
          ON "t9"."anonymous_id" = "t13"."link_anonymous_id"
      ) AS "t15"
      WHERE
        isNotNull(COALESCE("t15"."contact_id", "t15"."link_contact_id"))
        AND TRUE
        AND "t15"."name" IN ('add_to_cart')
        AND "t15"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
        AND "t15"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
    ) AS "t17"
  ) AS "t19"
  WHERE
    isNotNull("t19"."key")
)
SELECT
  "t32"."contact_id" AS "contact_id"
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
  ) AS "t4"
  WHERE
    CAST("t4"."contact_id" IN (
      SELECT
        "t30"."cid" AS "cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t27"."cid" AS "cid",
            "t27"."key" AS "key",
            "t27"."ts" AS "ts",
            MAX("t27"."event_id") AS "event_id"
          FROM (
            SELECT
              "t24"."cid" AS "cid",
              "t24"."key" AS "key",
              "t24"."ts" AS "ts",
              "t24"."event_id" AS "event_id"
            FROM "t21" AS "t24"
            INNER JOIN (
              SELECT
                "t23"."cid" AS "cid",
                "t23"."key" AS "key",
                MAX("t23"."ts") AS "last_ts"
              FROM "t21" AS "t23"
              GROUP BY
                "t23"."cid",
                "t23"."key"
            ) AS "t26"
              ON "t24"."cid" = "t26"."cid"
              AND "t24"."key" = "t26"."key"
              AND "t24"."ts" = "t26"."last_ts"
          ) AS "t27"
          GROUP BY
            "t27"."cid",
            "t27"."key",
            "t27"."ts"
        ) AS "t28"
        WHERE
          "t28"."ts" <= parseDateTimeBestEffort('2026-11-30T10:00:00+00:00', 'UTC')
      ) AS "t30"
      LEFT ANTI JOIN (
        SELECT
          "t18"."cid" AS "b_cid",
          "t18"."ts" AS "b_ts",
          "t18"."event_id" AS "b_event_id",
          "t18"."key" AS "b_key"
        FROM (
          SELECT
            "t16"."cid" AS "cid",
            "t16"."ts" AS "ts",
            "t16"."event_id" AS "event_id",
            CASE
              WHEN JSONType(CAST("t16"."properties" AS Nullable(String)), 'cart_id') IN ('String')
              THEN JSONExtractString(CAST("t16"."properties" AS Nullable(String)), 'cart_id')
              ELSE CAST(NULL AS Nullable(String))
            END AS "key"
          FROM (
            SELECT
              "t14"."event_id" AS "event_id",
              "t14"."contact_id" AS "contact_id",
              "t14"."anonymous_id" AS "anonymous_id",
              "t14"."name" AS "name",
              "t14"."ts" AS "ts",
              "t14"."properties" AS "properties",
              "t14"."link_anonymous_id" AS "link_anonymous_id",
              "t14"."link_contact_id" AS "link_contact_id",
              COALESCE("t14"."contact_id", "t14"."link_contact_id") AS "cid"
            FROM (
              SELECT
                "t8"."event_id" AS "event_id",
                "t8"."contact_id" AS "contact_id",
                "t8"."anonymous_id" AS "anonymous_id",
                "t8"."name" AS "name",
                "t8"."ts" AS "ts",
                "t8"."properties" AS "properties",
                "t13"."link_anonymous_id" AS "link_anonymous_id",
                "t13"."link_contact_id" AS "link_contact_id"
              FROM (
                SELECT
                  "t1"."event_id" AS "event_id",
                  "t1"."contact_id" AS "contact_id",
                  "t1"."anonymous_id" AS "anonymous_id",
                  "t1"."name" AS "name",
                  "t1"."ts" AS "ts",
                  "t1"."properties" AS "properties"
                FROM "events" AS "t1"
                WHERE
                  "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
                  AND "t1"."name" IN ('purchase')
              ) AS "t8"
              LEFT OUTER JOIN (
                SELECT
                  "t11"."anonymous_id" AS "link_anonymous_id",
                  MAX("t11"."contact_id") AS "link_contact_id"
                FROM (
                  SELECT
                    "t3"."anonymous_id" AS "anonymous_id",
                    "t3"."contact_id" AS "contact_id",
                    "t3"."linked_at" AS "linked_at",
                    "t10"."latest_at" AS "latest_at"
                  FROM "identities" AS "t3"
                  INNER JOIN (
                    SELECT
                      "t2"."anonymous_id" AS "anonymous_id",
                      MAX("t2"."linked_at") AS "latest_at"
                    FROM "identities" AS "t2"
                    GROUP BY
                      "t2"."anonymous_id"
                  ) AS "t10"
                    ON "t3"."anonymous_id" = "t10"."anonymous_id"
                    AND "t3"."linked_at" = "t10"."latest_at"
                ) AS "t11"
                GROUP BY
                  "t11"."anonymous_id"
              ) AS "t13"
                ON "t8"."anonymous_id" = "t13"."link_anonymous_id"
            ) AS "t14"
            WHERE
              isNotNull(COALESCE("t14"."contact_id", "t14"."link_contact_id"))
              AND TRUE
              AND "t14"."name" IN ('purchase')
          ) AS "t16"
        ) AS "t18"
        WHERE
          isNotNull("t18"."key")
      ) AS "t22"
        ON "t30"."cid" = "t22"."b_cid"
        AND "t22"."b_ts" >= "t30"."ts"
        AND "t22"."b_event_id" <> "t30"."event_id"
        AND "t30"."key" = "t22"."b_key"
    ) AS Nullable(Bool))
) AS "t32"
