WITH "t9" AS (
  SELECT
    *
  FROM "identities" AS "t2"
  WHERE
    "t2"."anonymous_id" IN (
      SELECT
        "t1"."anonymous_id"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."ts" > CAST('2026-10-31T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."name" IN ('page_view')
        AND "t1"."contact_id" IS NULL
    )
)
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
      "t0"."created_at" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
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
          "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
          AND "t1"."ts" > CAST('2026-10-31T12:00:00+00:00' AS TIMESTAMPTZ)
          AND "t1"."name" IN ('email_click')
          AND "t1"."contact_id" IS NOT NULL
          AND TRUE
      ) AS "t7"
      INNER JOIN (
        SELECT
          COALESCE("t17"."contact_id", "t17"."link_contact_id") AS "cid_1",
          "t17"."ts" AS "ts_1",
          "t17"."event_id" AS "event_id_1"
        FROM (
          SELECT
            "t8"."event_id",
            "t8"."contact_id",
            "t8"."anonymous_id",
            "t8"."name",
            "t8"."ts",
            "t16"."link_anonymous_id",
            "t16"."link_contact_id"
          FROM (
            SELECT
              "t1"."event_id",
              "t1"."contact_id",
              "t1"."anonymous_id",
              "t1"."name",
              "t1"."ts"
            FROM "events" AS "t1"
            WHERE
              "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t1"."ts" > CAST('2026-10-31T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t1"."name" IN ('page_view')
          ) AS "t8"
          LEFT OUTER JOIN (
            SELECT
              "t14"."anonymous_id" AS "link_anonymous_id",
              MAX("t14"."contact_id") AS "link_contact_id"
            FROM (
              SELECT
                "t11"."anonymous_id",
                "t11"."contact_id",
                "t11"."linked_at",
                "t13"."latest_at"
              FROM "t9" AS "t11"
              INNER JOIN (
                SELECT
                  "t10"."anonymous_id",
                  MAX("t10"."linked_at") AS "latest_at"
                FROM "t9" AS "t10"
                GROUP BY
                  1
              ) AS "t13"
                ON "t11"."anonymous_id" = "t13"."anonymous_id"
                AND "t11"."linked_at" = "t13"."latest_at"
            ) AS "t14"
            GROUP BY
              1
          ) AS "t16"
            ON "t8"."anonymous_id" = "t16"."link_anonymous_id"
        ) AS "t17"
        WHERE
          COALESCE("t17"."contact_id", "t17"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t17"."name" IN ('page_view')
          AND "t17"."ts" > CAST('2026-10-31T12:00:00+00:00' AS TIMESTAMPTZ)
          AND "t17"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
      ) AS "t19"
        ON "t7"."cid_0" = "t19"."cid_1"
        AND "t19"."ts_1" >= "t7"."ts_0"
        AND "t19"."event_id_1" <> "t7"."event_id_0"
        AND "t19"."ts_1" <= (
          "t7"."ts_0" + INTERVAL '86400 SECOND'
        )
    )
) AS "t21"
