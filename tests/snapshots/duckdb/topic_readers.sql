SELECT
  "t17"."contact_id"
FROM (
  SELECT
    "t7"."contact_id",
    "t7"."created_at",
    "t16"."ev0"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  ) AS "t7"
  LEFT OUTER JOIN (
    SELECT
      "t14"."cid",
      COUNT("t14"."event_id") FILTER(WHERE
        TRUE
        AND "t14"."name" IN ('page_view')
        AND COALESCE(STARTS_WITH(LOWER("t14"."url"), '/blog/'), FALSE)
        AND COALESCE("t14"."category" = 'running', FALSE)
        AND (
          TRUE
          AND (
            "t14"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
          )
          AND (
            "t14"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev0"
    FROM (
      SELECT
        "t13"."event_id",
        "t13"."contact_id",
        "t13"."anonymous_id",
        "t13"."name",
        "t13"."ts",
        "t13"."url",
        "t13"."category",
        "t13"."link_anonymous_id",
        "t13"."link_contact_id",
        COALESCE("t13"."contact_id", "t13"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t8"."event_id",
          "t8"."contact_id",
          "t8"."anonymous_id",
          "t8"."name",
          "t8"."ts",
          "t8"."url",
          "t8"."category",
          "t12"."link_anonymous_id",
          "t12"."link_contact_id"
        FROM (
          SELECT
            "t1"."event_id",
            "t1"."contact_id",
            "t1"."anonymous_id",
            "t1"."name",
            "t1"."ts",
            "t1"."url",
            "t1"."category"
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
            AND "t1"."ts" >= MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
            AND "t1"."name" IN ('page_view')
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
  COALESCE(COALESCE("t17"."ev0", 0) >= 3, FALSE)
