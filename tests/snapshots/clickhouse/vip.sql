SELECT
  "t17"."contact_id" AS "contact_id"
FROM (
  SELECT
    "t7"."contact_id" AS "contact_id",
    "t7"."created_at" AS "created_at",
    "t16"."ev0" AS "ev0"
  FROM (
    SELECT
      "t0"."contact_id" AS "contact_id",
      "t0"."created_at" AS "created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  ) AS "t7"
  LEFT OUTER JOIN (
    SELECT
      "t14"."cid" AS "cid",
      sumIf(
        "t14"."amount",
        TRUE
        AND "t14"."name" IN ('purchase')
        AND (
          TRUE
          AND (
            "t14"."ts" > parseDateTimeBestEffort('2026-08-30T12:00:00+00:00', 'UTC')
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
        "t13"."name" AS "name",
        "t13"."ts" AS "ts",
        "t13"."amount" AS "amount",
        "t13"."link_anonymous_id" AS "link_anonymous_id",
        "t13"."link_contact_id" AS "link_contact_id",
        COALESCE("t13"."contact_id", "t13"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t8"."event_id" AS "event_id",
          "t8"."contact_id" AS "contact_id",
          "t8"."anonymous_id" AS "anonymous_id",
          "t8"."name" AS "name",
          "t8"."ts" AS "ts",
          "t8"."amount" AS "amount",
          "t12"."link_anonymous_id" AS "link_anonymous_id",
          "t12"."link_contact_id" AS "link_contact_id"
        FROM (
          SELECT
            "t1"."event_id" AS "event_id",
            "t1"."contact_id" AS "contact_id",
            "t1"."anonymous_id" AS "anonymous_id",
            "t1"."name" AS "name",
            "t1"."ts" AS "ts",
            "t1"."amount" AS "amount"
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
            AND "t1"."ts" >= parseDateTimeBestEffort('2026-08-30T12:00:00+00:00', 'UTC')
            AND "t1"."name" IN ('purchase')
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
  COALESCE(COALESCE("t17"."ev0", 0) > 1000, FALSE)
