SELECT
  "t10"."contact_id" AS "contact_id"
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
        "t8"."cid" AS "cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t4"."cid" AS "cid",
            "t4"."key" AS "key",
            MAX("t4"."ts") AS "ts"
          FROM (
            SELECT
              "t1"."contact_id" AS "cid",
              "t1"."ts" AS "ts",
              "t1"."event_id" AS "event_id",
              "t1"."campaign_id" AS "key"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
              AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
              AND "t1"."name" IN ('push_sent')
              AND isNotNull("t1"."contact_id")
              AND TRUE
              AND isNotNull("t1"."campaign_id")
          ) AS "t4"
          GROUP BY
            "t4"."cid",
            "t4"."key"
        ) AS "t6"
        WHERE
          "t6"."ts" <= parseDateTimeBestEffort('2026-11-29T12:00:00+00:00', 'UTC')
      ) AS "t8"
      LEFT ANTI JOIN (
        SELECT
          "t1"."contact_id" AS "b_cid",
          "t1"."ts" AS "b_ts",
          "t1"."event_id" AS "b_event_id",
          "t1"."campaign_id" AS "b_key"
        FROM "events" AS "t1"
        WHERE
          "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
          AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
          AND "t1"."name" IN ('push_open')
          AND isNotNull("t1"."contact_id")
          AND TRUE
          AND isNotNull("t1"."campaign_id")
      ) AS "t5"
        ON "t8"."cid" = "t5"."b_cid"
        AND "t5"."b_ts" >= "t8"."ts"
        AND "t8"."key" = "t5"."b_key"
    ) AS Nullable(Bool))
) AS "t10"
