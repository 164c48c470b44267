SELECT
  "t17"."contact_id"
FROM (
  SELECT
    "t7"."contact_id",
    "t7"."email",
    "t7"."phone",
    "t7"."push_token",
    "t7"."first_name",
    "t7"."last_name",
    "t7"."gender",
    "t7"."birth_date",
    "t7"."city",
    "t7"."country",
    "t7"."language",
    "t7"."status",
    "t7"."tags",
    "t7"."email_consent",
    "t7"."sms_consent",
    "t7"."push_consent",
    "t7"."created_at",
    "t7"."updated_at",
    "t16"."ev0",
    "t16"."ev1"
  FROM (
    SELECT
      *
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  ) AS "t7"
  LEFT OUTER JOIN (
    SELECT
      "t14"."cid",
      COUNT("t14"."event_id") FILTER(WHERE
        TRUE
        AND "t14"."name" IN ('email_sent')
        AND (
          TRUE
          AND (
            "t14"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          )
          AND (
            "t14"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev0",
      COUNT("t14"."event_id") FILTER(WHERE
        TRUE
        AND "t14"."name" IN ('email_open')
        AND (
          TRUE
          AND (
            "t14"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          )
          AND (
            "t14"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev1"
    FROM (
      SELECT
        "t13"."event_id",
        "t13"."contact_id",
        "t13"."anonymous_id",
        "t13"."source",
        "t13"."name",
        "t13"."ts",
        "t13"."received_at",
        "t13"."url",
        "t13"."category",
        "t13"."product_id",
        "t13"."campaign_id",
        "t13"."channel",
        "t13"."currency",
        "t13"."amount",
        "t13"."duration_s",
        "t13"."quantity",
        "t13"."properties",
        "t13"."link_anonymous_id",
        "t13"."link_contact_id",
        COALESCE("t13"."contact_id", "t13"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t8"."event_id",
          "t8"."contact_id",
          "t8"."anonymous_id",
          "t8"."source",
          "t8"."name",
          "t8"."ts",
          "t8"."received_at",
          "t8"."url",
          "t8"."category",
          "t8"."product_id",
          "t8"."campaign_id",
          "t8"."channel",
          "t8"."currency",
          "t8"."amount",
          "t8"."duration_s",
          "t8"."quantity",
          "t8"."properties",
          "t12"."link_anonymous_id",
          "t12"."link_contact_id"
        FROM (
          SELECT
            *
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
            AND "t1"."ts" >= MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
            AND "t1"."name" IN ('email_open', 'email_sent')
        ) AS "t8"
        LEFT OUTER JOIN (
          SELECT
            "t10"."anonymous_id" AS "link_anonymous_id",
            MAX("t10"."contact_id") AS "link_contact_id"
          FROM (
            SELECT
              "t3"."anonymous_id",
              "t3"."contact_id",
              "t3"."linked_at",
              "t9"."latest_at"
            FROM "identities" AS "t3"
            INNER JOIN (
              SELECT
                "t2"."anonymous_id",
                MAX("t2"."linked_at") AS "latest_at"
              FROM "identities" AS "t2"
              GROUP BY
                1
            ) AS "t9"
              ON "t3"."anonymous_id" = "t9"."anonymous_id" AND "t3"."linked_at" = "t9"."latest_at"
          ) AS "t10"
          GROUP BY
            1
        ) AS "t12"
          ON "t8"."anonymous_id" = "t12"."link_anonymous_id"
      ) AS "t13"
      WHERE
        COALESCE("t13"."contact_id", "t13"."link_contact_id") IS NOT NULL
    ) AS "t14"
    GROUP BY
      1
  ) AS "t16"
    ON "t7"."contact_id" = "t16"."cid"
) AS "t17"
WHERE
  TRUE
  AND COALESCE(COALESCE("t17"."ev0", 0) >= 1, FALSE)
  AND COALESCE(COALESCE("t17"."ev1", 0) = 0, FALSE)
