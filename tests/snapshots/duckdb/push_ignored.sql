SELECT
  "t25"."contact_id"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  ) AS "t3"
  WHERE
    "t3"."contact_id" IN (
      SELECT
        "t23"."cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t19"."cid",
            "t19"."key",
            MAX("t19"."ts") AS "ts"
          FROM (
            SELECT
              COALESCE("t17"."contact_id", "t17"."link_contact_id") AS "cid",
              "t17"."ts",
              "t17"."event_id",
              "t17"."campaign_id" AS "key"
            FROM (
              SELECT
                "t9"."event_id",
                "t9"."contact_id",
                "t9"."anonymous_id",
                "t9"."name",
                "t9"."ts",
                "t9"."campaign_id",
                "t15"."link_anonymous_id",
                "t15"."link_contact_id"
              FROM (
                SELECT
                  "t1"."event_id",
                  "t1"."contact_id",
                  "t1"."anonymous_id",
                  "t1"."name",
                  "t1"."ts",
                  "t1"."campaign_id"
                FROM "events" AS "t1"
                WHERE
                  "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
                  AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
                  AND "t1"."name" IN ('push_sent')
              ) AS "t9"
              LEFT OUTER JOIN (
                SELECT
                  "t11"."anonymous_id" AS "link_anonymous_id",
                  FIRST(
                    "t11"."contact_id" ORDER BY {'at': "t11"."linked_at", 'id': "t11"."contact_id"} DESC
                  ) AS "link_contact_id"
                FROM (
                  SELECT
                    *
                  FROM "identities" AS "t2"
                  WHERE
                    "t2"."anonymous_id" IN (
                      SELECT
                        "t1"."anonymous_id"
                      FROM "events" AS "t1"
                      WHERE
                        "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
                        AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
                        AND "t1"."name" IN ('push_sent')
                        AND "t1"."contact_id" IS NULL
                    )
                ) AS "t11"
                GROUP BY
                  1
              ) AS "t15"
                ON "t9"."anonymous_id" = "t15"."link_anonymous_id"
            ) AS "t17"
            WHERE
              COALESCE("t17"."contact_id", "t17"."link_contact_id") IS NOT NULL
              AND TRUE
              AND "t17"."name" IN ('push_sent')
              AND "t17"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
              AND "t17"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
              AND "t17"."campaign_id" IS NOT NULL
          ) AS "t19"
          GROUP BY
            1,
            2
        ) AS "t21"
        WHERE
          "t21"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 29, 12, 0, 0.0, 'UTC')
      ) AS "t23"
      ANTI JOIN (
        SELECT
          COALESCE("t16"."contact_id", "t16"."link_contact_id") AS "b_cid",
          "t16"."ts" AS "b_ts",
          "t16"."event_id" AS "b_event_id",
          "t16"."campaign_id" AS "b_key"
        FROM (
          SELECT
            "t8"."event_id",
            "t8"."contact_id",
            "t8"."anonymous_id",
            "t8"."name",
            "t8"."ts",
            "t8"."campaign_id",
            "t14"."link_anonymous_id",
            "t14"."link_contact_id"
          FROM (
            SELECT
              "t1"."event_id",
              "t1"."contact_id",
              "t1"."anonymous_id",
              "t1"."name",
              "t1"."ts",
              "t1"."campaign_id"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
              AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
              AND "t1"."name" IN ('push_open')
          ) AS "t8"
          LEFT OUTER JOIN (
            SELECT
              "t10"."anonymous_id" AS "link_anonymous_id",
              FIRST(
                "t10"."contact_id" ORDER BY {'at': "t10"."linked_at", 'id': "t10"."contact_id"} DESC
              ) AS "link_contact_id"
            FROM (
              SELECT
                *
              FROM "identities" AS "t2"
              WHERE
                "t2"."anonymous_id" IN (
                  SELECT
                    "t1"."anonymous_id"
                  FROM "events" AS "t1"
                  WHERE
                    "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
                    AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
                    AND "t1"."name" IN ('push_open')
                    AND "t1"."contact_id" IS NULL
                )
            ) AS "t10"
            GROUP BY
              1
          ) AS "t14"
            ON "t8"."anonymous_id" = "t14"."link_anonymous_id"
        ) AS "t16"
        WHERE
          COALESCE("t16"."contact_id", "t16"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t16"."name" IN ('push_open')
          AND "t16"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
          AND "t16"."campaign_id" IS NOT NULL
      ) AS "t20"
        ON "t23"."cid" = "t20"."b_cid"
        AND "t20"."b_ts" >= "t23"."ts"
        AND "t23"."key" = "t20"."b_key"
    )
) AS "t25"
