SELECT
  "t16"."contact_id"
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
        "t7"."cid_0"
      FROM (
        SELECT
          "t1"."contact_id" AS "cid_0",
          "t1"."ts" AS "ts_0",
          "t1"."event_id" AS "event_id_0"
        FROM "events" AS "t1"
        WHERE
          "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          AND "t1"."name" IN ('email_click')
          AND "t1"."contact_id" IS NOT NULL
          AND TRUE
      ) AS "t7"
      INNER JOIN (
        SELECT
          COALESCE("t12"."contact_id", "t12"."link_contact_id") AS "cid_1",
          "t12"."ts" AS "ts_1",
          "t12"."event_id" AS "event_id_1"
        FROM (
          SELECT
            "t8"."event_id",
            "t8"."contact_id",
            "t8"."anonymous_id",
            "t8"."name",
            "t8"."ts",
            "t11"."link_anonymous_id",
            "t11"."link_contact_id"
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
          ) AS "t8"
          LEFT OUTER JOIN (
            SELECT
              "t9"."anonymous_id" AS "link_anonymous_id",
              FIRST(
                "t9"."contact_id" ORDER BY {'at': "t9"."linked_at", 'id': "t9"."contact_id"} DESC
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
            ) AS "t9"
            GROUP BY
              1
          ) AS "t11"
            ON "t8"."anonymous_id" = "t11"."link_anonymous_id"
        ) AS "t12"
        WHERE
          COALESCE("t12"."contact_id", "t12"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t12"."name" IN ('page_view')
          AND "t12"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          AND "t12"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
      ) AS "t14"
        ON "t7"."cid_0" = "t14"."cid_1"
        AND "t14"."ts_1" >= "t7"."ts_0"
        AND "t14"."event_id_1" <> "t7"."event_id_0"
        AND "t14"."ts_1" <= (
          "t7"."ts_0" + INTERVAL '86400' SECOND
        )
    )
) AS "t16"
