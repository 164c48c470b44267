SELECT
  "t23"."contact_id"
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
        "t20"."cid_0"
      FROM (
        SELECT
          COALESCE("t16"."contact_id", "t16"."link_contact_id") AS "cid_0",
          "t16"."ts" AS "ts_0",
          "t16"."event_id" AS "event_id_0"
        FROM (
          SELECT
            "t8"."event_id",
            "t8"."contact_id",
            "t8"."anonymous_id",
            "t8"."name",
            "t8"."ts",
            "t14"."link_anonymous_id",
            "t14"."link_contact_id"
          FROM (
            SELECT
              "t1"."event_id",
              "t1"."contact_id",
              "t1"."anonymous_id",
              "t1"."name",
              "t1"."ts"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
              AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
              AND "t1"."name" IN ('email_click')
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
                    AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
                    AND "t1"."name" IN ('email_click')
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
          AND "t16"."name" IN ('email_click')
          AND "t16"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          AND "t16"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
      ) AS "t20"
      INNER JOIN (
        SELECT
          COALESCE("t17"."contact_id", "t17"."link_contact_id") AS "cid_1",
          "t17"."ts" AS "ts_1",
          "t17"."event_id" AS "event_id_1"
        FROM (
          SELECT
            "t9"."event_id",
            "t9"."contact_id",
            "t9"."anonymous_id",
            "t9"."name",
            "t9"."ts",
            "t15"."link_anonymous_id",
            "t15"."link_contact_id"
          FROM (
            SELECT
              "t1"."event_id",
              "t1"."contact_id",
              "t1"."anonymous_id",
              "t1"."name",
              "t1"."ts"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
              AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
              AND "t1"."name" IN ('page_view')
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
                    AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
                    AND "t1"."name" IN ('page_view')
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
          AND "t17"."name" IN ('page_view')
          AND "t17"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          AND "t17"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
      ) AS "t21"
        ON "t20"."cid_0" = "t21"."cid_1"
        AND "t21"."ts_1" >= "t20"."ts_0"
        AND "t21"."event_id_1" <> "t20"."event_id_0"
        AND "t21"."ts_1" <= (
          "t20"."ts_0" + INTERVAL '86400' SECOND
        )
    )
) AS "t23"
