WITH "t10" AS (
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
), "t11" AS (
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
)
SELECT
  "t33"."contact_id"
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
        "t30"."cid_0"
      FROM (
        SELECT
          COALESCE("t26"."contact_id", "t26"."link_contact_id") AS "cid_0",
          "t26"."ts" AS "ts_0",
          "t26"."event_id" AS "event_id_0"
        FROM (
          SELECT
            "t8"."event_id",
            "t8"."contact_id",
            "t8"."anonymous_id",
            "t8"."name",
            "t8"."ts",
            "t24"."link_anonymous_id",
            "t24"."link_contact_id"
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
              "t20"."anonymous_id" AS "link_anonymous_id",
              MAX("t20"."contact_id") AS "link_contact_id"
            FROM (
              SELECT
                "t14"."anonymous_id",
                "t14"."contact_id",
                "t14"."linked_at",
                "t18"."latest_at"
              FROM "t10" AS "t14"
              INNER JOIN (
                SELECT
                  "t12"."anonymous_id",
                  MAX("t12"."linked_at") AS "latest_at"
                FROM "t10" AS "t12"
                GROUP BY
                  1
              ) AS "t18"
                ON "t14"."anonymous_id" = "t18"."anonymous_id"
                AND "t14"."linked_at" = "t18"."latest_at"
            ) AS "t20"
            GROUP BY
              1
          ) AS "t24"
            ON "t8"."anonymous_id" = "t24"."link_anonymous_id"
        ) AS "t26"
        WHERE
          COALESCE("t26"."contact_id", "t26"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t26"."name" IN ('email_click')
          AND "t26"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          AND "t26"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
      ) AS "t30"
      INNER JOIN (
        SELECT
          COALESCE("t27"."contact_id", "t27"."link_contact_id") AS "cid_1",
          "t27"."ts" AS "ts_1",
          "t27"."event_id" AS "event_id_1"
        FROM (
          SELECT
            "t9"."event_id",
            "t9"."contact_id",
            "t9"."anonymous_id",
            "t9"."name",
            "t9"."ts",
            "t25"."link_anonymous_id",
            "t25"."link_contact_id"
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
              "t21"."anonymous_id" AS "link_anonymous_id",
              MAX("t21"."contact_id") AS "link_contact_id"
            FROM (
              SELECT
                "t15"."anonymous_id",
                "t15"."contact_id",
                "t15"."linked_at",
                "t19"."latest_at"
              FROM "t11" AS "t15"
              INNER JOIN (
                SELECT
                  "t13"."anonymous_id",
                  MAX("t13"."linked_at") AS "latest_at"
                FROM "t11" AS "t13"
                GROUP BY
                  1
              ) AS "t19"
                ON "t15"."anonymous_id" = "t19"."anonymous_id"
                AND "t15"."linked_at" = "t19"."latest_at"
            ) AS "t21"
            GROUP BY
              1
          ) AS "t25"
            ON "t9"."anonymous_id" = "t25"."link_anonymous_id"
        ) AS "t27"
        WHERE
          COALESCE("t27"."contact_id", "t27"."link_contact_id") IS NOT NULL
          AND TRUE
          AND "t27"."name" IN ('page_view')
          AND "t27"."ts" > MAKE_TIMESTAMPTZ(2026, 10, 31, 12, 0, 0.0, 'UTC')
          AND "t27"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
      ) AS "t31"
        ON "t30"."cid_0" = "t31"."cid_1"
        AND "t31"."ts_1" >= "t30"."ts_0"
        AND "t31"."event_id_1" <> "t30"."event_id_0"
        AND "t31"."ts_1" <= (
          "t30"."ts_0" + INTERVAL '86400' SECOND
        )
    )
) AS "t33"
