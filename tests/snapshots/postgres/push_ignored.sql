SELECT
  "t10"."contact_id"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
  ) AS "t2"
  WHERE
    "t2"."contact_id" IN (
      SELECT
        "t8"."cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t4"."cid",
            "t4"."key",
            MAX("t4"."ts") AS "ts"
          FROM (
            SELECT
              "t1"."contact_id" AS "cid",
              "t1"."ts",
              "t1"."event_id",
              "t1"."campaign_id" AS "key"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t1"."name" IN ('push_sent')
              AND "t1"."contact_id" IS NOT NULL
              AND TRUE
              AND "t1"."campaign_id" IS NOT NULL
          ) AS "t4"
          GROUP BY
            1,
            2
        ) AS "t6"
        WHERE
          "t6"."ts" <= CAST('2026-11-29T12:00:00+00:00' AS TIMESTAMPTZ)
      ) AS "t8"
      WHERE
        NOT EXISTS(
          SELECT
            1
          FROM (
            SELECT
              "t1"."contact_id" AS "b_cid",
              "t1"."ts" AS "b_ts",
              "t1"."event_id" AS "b_event_id",
              "t1"."campaign_id" AS "b_key"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t1"."name" IN ('push_open')
              AND "t1"."contact_id" IS NOT NULL
              AND TRUE
              AND "t1"."campaign_id" IS NOT NULL
          ) AS "t5"
          WHERE
            "t8"."cid" = "t5"."b_cid"
            AND "t5"."b_ts" >= "t8"."ts"
            AND "t8"."key" = "t5"."b_key"
        )
    )
) AS "t10"
