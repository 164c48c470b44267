WITH "t17" AS (
  SELECT
    COALESCE("t15"."contact_id", "t15"."link_contact_id") AS "cid",
    "t15"."ts",
    "t15"."event_id",
    CASE
      WHEN JSONB_TYPEOF(JSONB_EXTRACT_PATH("t15"."properties", CAST('cart_id' AS VARCHAR))) = 'string'
      THEN JSONB_EXTRACT_PATH_TEXT(
        JSONB_EXTRACT_PATH("t15"."properties", CAST('cart_id' AS VARCHAR)),
        VARIADIC ARRAY[]::TEXT[]
      )
      ELSE NULL
    END AS "key"
  FROM (
    SELECT
      "t9"."event_id",
      "t9"."contact_id",
      "t9"."anonymous_id",
      "t9"."name",
      "t9"."ts",
      "t9"."properties",
      "t13"."link_anonymous_id",
      "t13"."link_contact_id"
    FROM (
      SELECT
        "t1"."event_id",
        "t1"."contact_id",
        "t1"."anonymous_id",
        "t1"."name",
        "t1"."ts",
        "t1"."properties"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."name" IN ('add_to_cart')
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
    AND "t15"."name" IN ('add_to_cart')
    AND "t15"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
    AND "t15"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
    AND CASE
      WHEN JSONB_TYPEOF(JSONB_EXTRACT_PATH("t15"."properties", CAST('cart_id' AS VARCHAR))) = 'string'
      THEN JSONB_EXTRACT_PATH_TEXT(
        JSONB_EXTRACT_PATH("t15"."properties", CAST('cart_id' AS VARCHAR)),
        VARIADIC ARRAY[]::TEXT[]
      )
      ELSE NULL
    END IS NOT NULL
)
SELECT
  "t28"."contact_id"
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
  ) AS "t4"
  WHERE
    "t4"."contact_id" IN (
      SELECT
        "t26"."cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t23"."cid",
            "t23"."key",
            "t23"."ts",
            MAX("t23"."event_id") AS "event_id"
          FROM (
            SELECT
              "t20"."cid",
              "t20"."key",
              "t20"."ts",
              "t20"."event_id"
            FROM "t17" AS "t20"
            INNER JOIN (
              SELECT
                "t19"."cid",
                "t19"."key",
                MAX("t19"."ts") AS "last_ts"
              FROM "t17" AS "t19"
              GROUP BY
                1,
                2
            ) AS "t22"
              ON "t20"."cid" = "t22"."cid"
              AND "t20"."key" = "t22"."key"
              AND "t20"."ts" = "t22"."last_ts"
          ) AS "t23"
          GROUP BY
            1,
            2,
            3
        ) AS "t24"
        WHERE
          "t24"."ts" <= CAST('2026-11-30T10:00:00+00:00' AS TIMESTAMPTZ)
      ) AS "t26"
      WHERE
        NOT EXISTS(
          SELECT
            1
          FROM (
            SELECT
              COALESCE("t14"."contact_id", "t14"."link_contact_id") AS "b_cid",
              "t14"."ts" AS "b_ts",
              "t14"."event_id" AS "b_event_id",
              CASE
                WHEN JSONB_TYPEOF(JSONB_EXTRACT_PATH("t14"."properties", CAST('cart_id' AS VARCHAR))) = 'string'
                THEN JSONB_EXTRACT_PATH_TEXT(
                  JSONB_EXTRACT_PATH("t14"."properties", CAST('cart_id' AS VARCHAR)),
                  VARIADIC ARRAY[]::TEXT[]
                )
                ELSE NULL
              END AS "b_key"
            FROM (
              SELECT
                "t8"."event_id",
                "t8"."contact_id",
                "t8"."anonymous_id",
                "t8"."name",
                "t8"."ts",
                "t8"."properties",
                "t13"."link_anonymous_id",
                "t13"."link_contact_id"
              FROM (
                SELECT
                  "t1"."event_id",
                  "t1"."contact_id",
                  "t1"."anonymous_id",
                  "t1"."name",
                  "t1"."ts",
                  "t1"."properties"
                FROM "events" AS "t1"
                WHERE
                  "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
                  AND "t1"."name" IN ('purchase')
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
              AND "t14"."name" IN ('purchase')
              AND CASE
                WHEN JSONB_TYPEOF(JSONB_EXTRACT_PATH("t14"."properties", CAST('cart_id' AS VARCHAR))) = 'string'
                THEN JSONB_EXTRACT_PATH_TEXT(
                  JSONB_EXTRACT_PATH("t14"."properties", CAST('cart_id' AS VARCHAR)),
                  VARIADIC ARRAY[]::TEXT[]
                )
                ELSE NULL
              END IS NOT NULL
          ) AS "t18"
          WHERE
            "t26"."cid" = "t18"."b_cid"
            AND "t18"."b_ts" >= "t26"."ts"
            AND "t18"."b_event_id" <> "t26"."event_id"
            AND "t26"."key" = "t18"."b_key"
        )
    )
) AS "t28"
