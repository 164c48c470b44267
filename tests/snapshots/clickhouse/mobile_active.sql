SELECT
  "t17"."contact_id" AS "contact_id"
FROM (
  SELECT
    "t7"."contact_id" AS "contact_id",
    "t7"."email" AS "email",
    "t7"."phone" AS "phone",
    "t7"."push_token" AS "push_token",
    "t7"."first_name" AS "first_name",
    "t7"."last_name" AS "last_name",
    "t7"."gender" AS "gender",
    "t7"."birth_date" AS "birth_date",
    "t7"."city" AS "city",
    "t7"."country" AS "country",
    "t7"."language" AS "language",
    "t7"."status" AS "status",
    "t7"."tags" AS "tags",
    "t7"."email_consent" AS "email_consent",
    "t7"."sms_consent" AS "sms_consent",
    "t7"."push_consent" AS "push_consent",
    "t7"."created_at" AS "created_at",
    "t7"."updated_at" AS "updated_at",
    "t16"."ev0" AS "ev0"
  FROM (
    SELECT
      *
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  ) AS "t7"
  LEFT OUTER JOIN (
    SELECT
      "t14"."cid" AS "cid",
      countIf(
        "t14"."event_id",
        TRUE
        AND "t14"."name" IN ('app_open')
        AND (
          TRUE
          AND (
            "t14"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
          )
          AND (
            "t14"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
          )
        )
      ) AS "ev0"
    FROM (
      SELECT
        "t13"."event_id" AS "event_id",
        "t13"."contact_id" AS "contact_id",
        "t13"."anonymous_id" AS "anonymous_id",
        "t13"."source" AS "source",
        "t13"."name" AS "name",
        "t13"."ts" AS "ts",
        "t13"."received_at" AS "received_at",
        "t13"."url" AS "url",
        "t13"."category" AS "category",
        "t13"."product_id" AS "product_id",
        "t13"."campaign_id" AS "campaign_id",
        "t13"."channel" AS "channel",
        "t13"."currency" AS "currency",
        "t13"."amount" AS "amount",
        "t13"."duration_s" AS "duration_s",
        "t13"."quantity" AS "quantity",
        "t13"."properties" AS "properties",
        "t13"."link_anonymous_id" AS "link_anonymous_id",
        "t13"."link_contact_id" AS "link_contact_id",
        COALESCE("t13"."contact_id", "t13"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t8"."event_id" AS "event_id",
          "t8"."contact_id" AS "contact_id",
          "t8"."anonymous_id" AS "anonymous_id",
          "t8"."source" AS "source",
          "t8"."name" AS "name",
          "t8"."ts" AS "ts",
          "t8"."received_at" AS "received_at",
          "t8"."url" AS "url",
          "t8"."category" AS "category",
          "t8"."product_id" AS "product_id",
          "t8"."campaign_id" AS "campaign_id",
          "t8"."channel" AS "channel",
          "t8"."currency" AS "currency",
          "t8"."amount" AS "amount",
          "t8"."duration_s" AS "duration_s",
          "t8"."quantity" AS "quantity",
          "t8"."properties" AS "properties",
          "t12"."link_anonymous_id" AS "link_anonymous_id",
          "t12"."link_contact_id" AS "link_contact_id"
        FROM (
          SELECT
            *
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
            AND "t1"."ts" >= parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
            AND "t1"."name" IN ('app_open')
        ) AS "t8"
        LEFT OUTER JOIN (
          SELECT
            "t10"."anonymous_id" AS "link_anonymous_id",
            MAX("t10"."contact_id") AS "link_contact_id"
          FROM (
            SELECT
              "t3"."anonymous_id" AS "anonymous_id",
              "t3"."contact_id" AS "contact_id",
              "t3"."linked_at" AS "linked_at",
              "t9"."latest_at" AS "latest_at"
            FROM "identities" AS "t3"
            INNER JOIN (
              SELECT
                "t2"."anonymous_id" AS "anonymous_id",
                MAX("t2"."linked_at") AS "latest_at"
              FROM "identities" AS "t2"
              GROUP BY
                "t2"."anonymous_id"
            ) AS "t9"
              ON "t3"."anonymous_id" = "t9"."anonymous_id" AND "t3"."linked_at" = "t9"."latest_at"
          ) AS "t10"
          GROUP BY
            "t10"."anonymous_id"
        ) AS "t12"
          ON "t8"."anonymous_id" = "t12"."link_anonymous_id"
      ) AS "t13"
      WHERE
        isNotNull(COALESCE("t13"."contact_id", "t13"."link_contact_id"))
    ) AS "t14"
    GROUP BY
      "t14"."cid"
  ) AS "t16"
    ON "t7"."contact_id" = "t16"."cid"
) AS "t17"
WHERE
  COALESCE(COALESCE("t17"."ev0", 0) >= 1, FALSE)
