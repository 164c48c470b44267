SELECT
  "t14"."contact_id" AS "contact_id"
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
  ) AS "t2"
  WHERE
    CAST("t2"."contact_id" IN (
      SELECT
        "t12"."cid" AS "cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t8"."cid" AS "cid",
            "t8"."key" AS "key",
            MAX("t8"."ts") AS "ts"
          FROM (
            SELECT
              *
            FROM (
              SELECT
                "t4"."cid" AS "cid",
                "t4"."ts" AS "ts",
                "t4"."event_id" AS "event_id",
                CASE
                  WHEN JSONType(CAST("t4"."properties" AS Nullable(String)), 'cart_id') IN ('String')
                  THEN JSONExtract(CAST("t4"."properties" AS Nullable(String)), 'cart_id', 'String')
                  ELSE CAST(NULL AS Nullable(String))
                END AS "key"
              FROM (
                SELECT
                  "t1"."event_id" AS "event_id",
                  "t1"."contact_id" AS "contact_id",
                  "t1"."anonymous_id" AS "anonymous_id",
                  "t1"."name" AS "name",
                  "t1"."ts" AS "ts",
                  "t1"."properties" AS "properties",
                  "t1"."contact_id" AS "cid"
                FROM "events" AS "t1"
                WHERE
                  "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
                  AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
                  AND "t1"."name" IN ('add_to_cart')
                  AND isNotNull("t1"."contact_id")
                  AND TRUE
              ) AS "t4"
            ) AS "t6"
            WHERE
              isNotNull("t6"."key")
          ) AS "t8"
          GROUP BY
            "t8"."cid",
            "t8"."key"
        ) AS "t10"
        WHERE
          "t10"."ts" <= parseDateTimeBestEffort('2026-11-30T10:00:00+00:00', 'UTC')
      ) AS "t12"
      LEFT ANTI JOIN (
        SELECT
          "t5"."cid" AS "b_cid",
          "t5"."ts" AS "b_ts",
          "t5"."event_id" AS "b_event_id",
          "t5"."key" AS "b_key"
        FROM (
          SELECT
            "t3"."cid" AS "cid",
            "t3"."ts" AS "ts",
            "t3"."event_id" AS "event_id",
            CASE
              WHEN JSONType(CAST("t3"."properties" AS Nullable(String)), 'cart_id') IN ('String')
              THEN JSONExtract(CAST("t3"."properties" AS Nullable(String)), 'cart_id', 'String')
              ELSE CAST(NULL AS Nullable(String))
            END AS "key"
          FROM (
            SELECT
              "t1"."event_id" AS "event_id",
              "t1"."contact_id" AS "contact_id",
              "t1"."anonymous_id" AS "anonymous_id",
              "t1"."name" AS "name",
              "t1"."ts" AS "ts",
              "t1"."properties" AS "properties",
              "t1"."contact_id" AS "cid"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
              AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
              AND "t1"."name" IN ('purchase')
              AND isNotNull("t1"."contact_id")
              AND TRUE
          ) AS "t3"
        ) AS "t5"
        WHERE
          isNotNull("t5"."key")
      ) AS "t9"
        ON "t12"."cid" = "t9"."b_cid"
        AND "t9"."b_ts" >= "t12"."ts"
        AND "t12"."key" = "t9"."b_key"
    ) AS Nullable(Bool))
) AS "t14"
