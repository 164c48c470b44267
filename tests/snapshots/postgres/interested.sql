WITH "t7" AS (
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
        AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."name" IN ('page_view')
        AND "t1"."contact_id" IS NULL
    )
)
SELECT
  "t19"."contact_id"
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
        "t17"."cid"
      FROM (
        SELECT
          "t16"."cid",
          "t16"."key",
          COUNT(*) AS "n"
        FROM (
          SELECT
            COALESCE("t15"."contact_id", "t15"."link_contact_id") AS "cid",
            "t15"."ts",
            "t15"."event_id",
            "t15"."product_id" AS "key"
          FROM (
            SELECT
              "t6"."event_id",
              "t6"."contact_id",
              "t6"."anonymous_id",
              "t6"."name",
              "t6"."ts",
              "t6"."product_id",
              "t14"."link_anonymous_id",
              "t14"."link_contact_id"
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
                "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
                AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
                AND "t1"."name" IN ('page_view')
            ) AS "t6"
            LEFT OUTER JOIN (
              SELECT
                "t12"."anonymous_id" AS "link_anonymous_id",
                MAX("t12"."contact_id") AS "link_contact_id"
              FROM (
                SELECT
                  "t9"."anonymous_id",
                  "t9"."contact_id",
                  "t9"."linked_at",
                  "t11"."latest_at"
                FROM "t7" AS "t9"
                INNER JOIN (
                  SELECT
                    "t8"."anonymous_id",
                    MAX("t8"."linked_at") AS "latest_at"
                  FROM "t7" AS "t8"
                  GROUP BY
                    1
                ) AS "t11"
                  ON "t9"."anonymous_id" = "t11"."anonymous_id"
                  AND "t9"."linked_at" = "t11"."latest_at"
              ) AS "t12"
              GROUP BY
                1
            ) AS "t14"
              ON "t6"."anonymous_id" = "t14"."link_anonymous_id"
          ) AS "t15"
          WHERE
            COALESCE("t15"."contact_id", "t15"."link_contact_id") IS NOT NULL
            AND TRUE
            AND "t15"."name" IN ('page_view')
            AND COALESCE((
              "t15"."product_id" IS NOT NULL
            ) AND (
              "t15"."product_id" <> ''
            ), FALSE)
            AND "t15"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
            AND "t15"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
            AND "t15"."product_id" IS NOT NULL
        ) AS "t16"
        GROUP BY
          1,
          2
      ) AS "t17"
      WHERE
        "t17"."n" >= 2
    )
) AS "t19"
