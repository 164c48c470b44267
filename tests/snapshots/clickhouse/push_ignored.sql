WITH "t17" AS (
  SELECT
    COALESCE("t15"."contact_id", "t15"."link_contact_id") AS "cid",
    "t15"."ts" AS "ts",
    "t15"."event_id" AS "event_id",
    "t15"."campaign_id" AS "key"
  FROM (
    SELECT
      "t9"."event_id" AS "event_id",
      "t9"."contact_id" AS "contact_id",
      "t9"."anonymous_id" AS "anonymous_id",
      "t9"."name" AS "name",
      "t9"."ts" AS "ts",
      "t9"."campaign_id" AS "campaign_id",
      "t13"."link_anonymous_id" AS "link_anonymous_id",
      "t13"."link_contact_id" AS "link_contact_id"
    FROM (
      SELECT
        "t1"."event_id" AS "event_id",
        "t1"."contact_id" AS "contact_id",
        "t1"."anonymous_id" AS "anonymous_id",
        "t1"."name" AS "name",
        "t1"."ts" AS "ts",
        "t1"."campaign_id" AS "campaign_id"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
        AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
        AND "t1"."name" IN ('push_sent')
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
    AND "t15"."name" IN ('push_sent')
    AND "t15"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
    AND "t15"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
    AND isNotNull("t15"."campaign_id")
)
SELECT
  "t28"."contact_id" AS "contact_id"
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
        "t26"."cid" AS "cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t23"."cid" AS "cid",
            "t23"."key" AS "key",
            "t23"."ts" AS "ts",
            MAX("t23"."event_id") AS "event_id"
          FROM (
            SELECT
              "t20"."cid" AS "cid",
              "t20"."key" AS "key",
              "t20"."ts" AS "ts",
              "t20"."event_id" AS "event_id"
            FROM "t17" AS "t20"
            INNER JOIN (
              SELECT
                "t19"."cid" AS "cid",
                "t19"."key" AS "key",
                MAX("t19"."ts") AS "last_ts"
              FROM "t17" AS "t19"
              GROUP BY
                "t19"."cid",
                "t19"."key"
            ) AS "t22"
              ON "t20"."cid" = "t22"."cid"
              AND "t20"."key" = "t22"."key"
              AND "t20"."ts" = "t22"."last_ts"
          ) AS "t23"
          GROUP BY
            "t23"."cid",
            "t23"."key",
            "t23"."ts"
        ) AS "t24"
        WHERE
          "t24"."ts" <= parseDateTimeBestEffort('2026-11-29T12:00:00+00:00', 'UTC')
      ) AS "t26"
      LEFT ANTI JOIN (
        SELECT
          COALESCE("t14"."contact_id", "t14"."link_contact_id") AS "b_cid",
          "t14"."ts" AS "b_ts",
          "t14"."event_id" AS "b_event_id",
          "t14"."campaign_id" AS "b_key"
        FROM (
          SELECT
            "t8"."event_id" AS "event_id",
            "t8"."contact_id" AS "contact_id",
            "t8"."anonymous_id" AS "anonymous_id",
            "t8"."name" AS "name",
            "t8"."ts" AS "ts",
            "t8"."campaign_id" AS "campaign_id",
            "t13"."link_anonymous_id" AS "link_anonymous_id",
            "t13"."link_contact_id" AS "link_contact_id"
          FROM (
            SELECT
              "t1"."event_id" AS "event_id",
              "t1"."contact_id" AS "contact_id",
              "t1"."anonymous_id" AS "anonymous_id",
              "t1"."name" AS "name",
              "t1"."ts" AS "ts",
              "t1"."campaign_id" AS "campaign_id"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
              AND "t1"."name" IN ('push_open')
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
          AND "t14"."name" IN ('push_open')
          AND isNotNull("t14"."campaign_id")
      ) AS "t18"
        ON "t26"."cid" = "t18"."b_cid"
        AND "t18"."b_ts" >= "t26"."ts"
        AND "t18"."b_event_id" <> "t26"."event_id"
        AND "t26"."key" = "t18"."b_key"
    ) AS Nullable(Bool))
) AS "t28"
