SELECT
  "t14"."contact_id"
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
        "t12"."cid"
      FROM (
        SELECT
          "t11"."cid",
          "t11"."key",
          COUNT(*) AS "n"
        FROM (
          SELECT
            COALESCE("t10"."contact_id", "t10"."link_contact_id") AS "cid",
            "t10"."ts",
            "t10"."event_id",
            "t10"."product_id" AS "key"
          FROM (
            SELECT
              "t6"."event_id",
              "t6"."contact_id",
              "t6"."anonymous_id",
              "t6"."name",
              "t6"."ts",
              "t6"."product_id",
              "t9"."link_anonymous_id",
              "t9"."link_contact_id"
            FROM (
              SELECT
                "t1"."event_id",
                "t1"."contact_id",
                "t1"."anonymous_id",
                "t1"."name",
                "t1"."ts",
                "t1"."product_id"
              FROM "events" AS "t1"
              WHERE
                "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
                AND "t1"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
                AND "t1"."name" IN ('page_view')
            ) AS "t6"
            LEFT OUTER JOIN (
              SELECT
                "t7"."anonymous_id" AS "link_anonymous_id",
                FIRST(
                  "t7"."contact_id" ORDER BY {'at': "t7"."linked_at", 'id': "t7"."contact_id"} DESC
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
                      AND "t1"."name" IN ('page_view')
                      AND "t1"."contact_id" IS NULL
                  )
              ) AS "t7"
              GROUP BY
                1
            ) AS "t9"
              ON "t6"."anonymous_id" = "t9"."link_anonymous_id"
          ) AS "t10"
          WHERE
            COALESCE("t10"."contact_id", "t10"."link_contact_id") IS NOT NULL
            AND TRUE
            AND "t10"."name" IN ('page_view')
            AND COALESCE((
              "t10"."product_id" IS NOT NULL
            ) AND (
              "t10"."product_id" <> ''
            ), FALSE)
            AND "t10"."ts" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
            AND "t10"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
            AND "t10"."product_id" IS NOT NULL
        ) AS "t11"
        GROUP BY
          1,
          2
      ) AS "t12"
      WHERE
        "t12"."n" >= 2
    )
) AS "t14"
