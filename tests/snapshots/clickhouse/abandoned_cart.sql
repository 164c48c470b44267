WITH "t10" AS (
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
        AND "t1"."name" IN ('purchase')
        AND isNull("t1"."contact_id")
    ) AS Nullable(Bool))
), "t11" AS (
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
        AND "t1"."name" IN ('add_to_cart')
        AND isNull("t1"."contact_id")
    ) AS Nullable(Bool))
)
SELECT
  "t39"."contact_id" AS "contact_id"
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
        "t37"."cid" AS "cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t33"."cid" AS "cid",
            "t33"."key" AS "key",
            MAX("t33"."ts") AS "ts"
          FROM (
            SELECT
              *
            FROM (
              SELECT
                "t29"."cid" AS "cid",
                "t29"."ts" AS "ts",
                "t29"."event_id" AS "event_id",
                CASE
                  WHEN JSONType(CAST("t29"."properties" AS Nullable(String)), 'cart_id') IN ('String')
                  THEN JSONExtractString(CAST("t29"."properties" AS Nullable(String)), 'cart_id')
                  ELSE CAST(NULL AS Nullable(String))
                END AS "key"
              FROM (
                SELECT
                  "t27"."event_id" AS "event_id",
                  "t27"."contact_id" AS "contact_id",
                  "t27"."anonymous_id" AS "anonymous_id",
                  "t27"."name" AS "name",
                  "t27"."ts" AS "ts",
                  "t27"."properties" AS "properties",
                  "t27"."link_anonymous_id" AS "link_anonymous_id",
                  "t27"."link_contact_id" AS "link_contact_id",
                  COALESCE("t27"."contact_id", "t27"."link_contact_id") AS "cid"
                FROM (
                  SELECT
                    "t9"."event_id" AS "event_id",
                    "t9"."contact_id" AS "contact_id",
                    "t9"."anonymous_id" AS "anonymous_id",
                    "t9"."name" AS "name",
                    "t9"."ts" AS "ts",
                    "t9"."properties" AS "properties",
                    "t25"."link_anonymous_id" AS "link_anonymous_id",
                    "t25"."link_contact_id" AS "link_contact_id"
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
                      "t21"."anonymous_id" AS "link_anonymous_id",
                      MAX("t21"."contact_id") AS "link_contact_id"
                    FROM (
                      SELECT
                        "t15"."anonymous_id" AS "anonymous_id",
                        "t15"."contact_id" AS "contact_id",
                        "t15"."linked_at" AS "linked_at",
                        "t19"."latest_at" AS "latest_at"
                      FROM "t11" AS "t15"
                      INNER JOIN (
                        SELECT
                          "t13"."anonymous_id" AS "anonymous_id",
                          MAX("t13"."linked_at") AS "latest_at"
                        FROM "t11" AS "t13"
                        GROUP BY
                          "t13"."anonymous_id"
                      ) AS "t19"
                        ON "t15"."anonymous_id" = "t19"."anonymous_id"
                        AND "t15"."linked_at" = "t19"."latest_at"
                    ) AS "t21"
                    GROUP BY
                      "t21"."anonymous_id"
                  ) AS "t25"
                    ON "t9"."anonymous_id" = "t25"."link_anonymous_id"
                ) AS "t27"
                WHERE
                  isNotNull(COALESCE("t27"."contact_id", "t27"."link_contact_id"))
                  AND TRUE
                  AND "t27"."name" IN ('add_to_cart')
                  AND "t27"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
                  AND "t27"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
              ) AS "t29"
            ) AS "t31"
            WHERE
              isNotNull("t31"."key")
          ) AS "t33"
          GROUP BY
            "t33"."cid",
            "t33"."key"
        ) AS "t35"
        WHERE
          "t35"."ts" <= parseDateTimeBestEffort('2026-11-30T10:00:00+00:00', 'UTC')
      ) AS "t37"
      LEFT ANTI JOIN (
        SELECT
          "t30"."cid" AS "b_cid",
          "t30"."ts" AS "b_ts",
          "t30"."event_id" AS "b_event_id",
          "t30"."key" AS "b_key"
        FROM (
          SELECT
            "t28"."cid" AS "cid",
            "t28"."ts" AS "ts",
            "t28"."event_id" AS "event_id",
            CASE
              WHEN JSONType(CAST("t28"."properties" AS Nullable(String)), 'cart_id') IN ('String')
              THEN JSONExtractString(CAST("t28"."properties" AS Nullable(String)), 'cart_id')
              ELSE CAST(NULL AS Nullable(String))
            END AS "key"
          FROM (
            SELECT
              "t26"."event_id" AS "event_id",
              "t26"."contact_id" AS "contact_id",
              "t26"."anonymous_id" AS "anonymous_id",
              "t26"."name" AS "name",
              "t26"."ts" AS "ts",
              "t26"."properties" AS "properties",
              "t26"."link_anonymous_id" AS "link_anonymous_id",
              "t26"."link_contact_id" AS "link_contact_id",
              COALESCE("t26"."contact_id", "t26"."link_contact_id") AS "cid"
            FROM (
              SELECT
                "t8"."event_id" AS "event_id",
                "t8"."contact_id" AS "contact_id",
                "t8"."anonymous_id" AS "anonymous_id",
                "t8"."name" AS "name",
                "t8"."ts" AS "ts",
                "t8"."properties" AS "properties",
                "t24"."link_anonymous_id" AS "link_anonymous_id",
                "t24"."link_contact_id" AS "link_contact_id"
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
                  AND "t1"."name" IN ('purchase')
              ) AS "t8"
              LEFT OUTER JOIN (
                SELECT
                  "t20"."anonymous_id" AS "link_anonymous_id",
                  MAX("t20"."contact_id") AS "link_contact_id"
                FROM (
                  SELECT
                    "t14"."anonymous_id" AS "anonymous_id",
                    "t14"."contact_id" AS "contact_id",
                    "t14"."linked_at" AS "linked_at",
                    "t18"."latest_at" AS "latest_at"
                  FROM "t10" AS "t14"
                  INNER JOIN (
                    SELECT
                      "t12"."anonymous_id" AS "anonymous_id",
                      MAX("t12"."linked_at") AS "latest_at"
                    FROM "t10" AS "t12"
                    GROUP BY
                      "t12"."anonymous_id"
                  ) AS "t18"
                    ON "t14"."anonymous_id" = "t18"."anonymous_id"
                    AND "t14"."linked_at" = "t18"."latest_at"
                ) AS "t20"
                GROUP BY
                  "t20"."anonymous_id"
              ) AS "t24"
                ON "t8"."anonymous_id" = "t24"."link_anonymous_id"
            ) AS "t26"
            WHERE
              isNotNull(COALESCE("t26"."contact_id", "t26"."link_contact_id"))
              AND TRUE
              AND "t26"."name" IN ('purchase')
              AND "t26"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
          ) AS "t28"
        ) AS "t30"
        WHERE
          isNotNull("t30"."key")
      ) AS "t34"
        ON "t37"."cid" = "t34"."b_cid"
        AND "t34"."b_ts" >= "t37"."ts"
        AND "t37"."key" = "t34"."b_key"
    ) AS Nullable(Bool))
) AS "t39"
