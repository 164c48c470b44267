SELECT
  "t21"."contact_id"
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
  ) AS "t4"
  WHERE
    "t4"."contact_id" IN (
      SELECT
        "t18"."cid_0"
      FROM (
        SELECT
          COALESCE("t14"."contact_id", "t14"."link_contact_id") AS "cid_0",
          "t14"."ts" AS "ts_0",
          "t14"."event_id" AS "event_id_0"
        FROM (
          SELECT
            "t8"."event_id",
            "t8"."contact_id",
            "t8"."anonymous_id",
            "t8"."name",
            "t8"."ts",
            "t13"."link_anonymous_id",
            "t13"."link_contact_id"
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
              "t11"."anonymous_id" AS "link_anonymous_id",
              MAX("t11"."contact_id") AS "link_contact_id"
            FROM (
              SELECT
                "t3"."anonymous_id",
                "t3"."contact_id",
                "t3"."linked_at",
                "t10"."latest_at"
              FROM "identities" AS "t3"
              INNER JOIN (
                SELECT
                  "t2"."anonymous_id",
                  MAX("t2"."linked_at") AS "latest_at"
                FROM "identities" AS "t2"
                GROUP BY
                  1
              ) AS "t10"
                ON "t3"."anonymous_id" = "t10"."anonymous_id"
                AND "t3"."linked_at" = "t10"."latest_at"
            ) AS "t11"
            GROUP BY
              1
          ) AS "t13"
            ON "t8"."anonymous_id" = "t13"."link_anonymous_id"
        ) AS "t14"
        WHERE
          COALESCE("t14"."contact_id", "t14"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t14"."name" IN ('email_click')
          AND "t14"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          AND "t14"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
      ) AS "t18"
      INNER JOIN (
        SELECT
          COALESCE("t15"."contact_id", "t15"."link_contact_id") AS "cid_1",
          "t15"."ts" AS "ts_1",
          "t15"."event_id" AS "event_id_1"
        FROM (
          SELECT
            "t9"."event_id",
            "t9"."contact_id",
            "t9"."anonymous_id",
            "t9"."name",
            "t9"."ts",
            "t13"."link_anonymous_id",
            "t13"."link_contact_id"
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
              MAX("t11"."contact_id") AS "link_contact_id"
            FROM (
              SELECT
                "t3"."anonymous_id",
                "t3"."contact_id",
                "t3"."linked_at",
                "t10"."latest_at"
              FROM "identities" AS "t3"
              INNER JOIN (
                SELECT
                  "t2"."anonymous_id",
                  MAX("t2"."linked_at") AS "latest_at"
                FROM "identities" AS "t2"
                GROUP BY
                  1
              ) AS "t10"
                ON "t3"."anonymous_id" = "t10"."anonymous_id"
                AND "t3"."linked_at" = "t10"."latest_at"
            ) AS "t11"
            GROUP BY
              1
          ) AS "t13"
            ON "t9"."anonymous_id" = "t13"."link_anonymous_id"
        ) AS "t15"
        WHERE
          COALESCE("t15"."contact_id", "t15"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t15"."name" IN ('page_view')
          AND "t15"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          AND "t15"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
      ) AS "t19"
        ON "t18"."cid_0" = "t19"."cid_1"
        AND "t19"."ts_1" >= "t18"."ts_0"
        AND "t19"."event_id_1" <> "t18"."event_id_0"
        AND "t19"."ts_1" <= (
          "t18"."ts_0" + INTERVAL '86400' SECOND
        )
    )
) AS "t21"
