SELECT
  "t15"."contact_id"
FROM (
  SELECT
    "t6"."contact_id",
    "t6"."created_at",
    "t14"."ev0"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  ) AS "t6"
  INNER JOIN (
    SELECT
      "t12"."cid",
      SUM("t12"."amount") FILTER(WHERE
        TRUE
        AND "t12"."name" IN ('purchase')
        AND (
          TRUE
          AND (
            "t12"."ts" > MAKE_TIMESTAMPTZ(2026, 8, 30, 12, 0, 0.0, 'UTC')
          )
          AND (
            "t12"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
          )
        )) AS "ev0"
    FROM (
      SELECT
        "t11"."contact_id",
        "t11"."anonymous_id",
        "t11"."name",
        "t11"."ts",
        "t11"."amount",
        "t11"."link_anonymous_id",
        "t11"."link_contact_id",
        COALESCE("t11"."contact_id", "t11"."link_contact_id") AS "cid"
      FROM (
        SELECT
          "t7"."contact_id",
          "t7"."anonymous_id",
          "t7"."name",
          "t7"."ts",
          "t7"."amount",
          "t10"."link_anonymous_id",
          "t10"."link_contact_id"
        FROM (
          SELECT
            "t1"."contact_id",
            "t1"."anonymous_id",
            "t1"."name",
            "t1"."ts",
            "t1"."amount"
          FROM "events" AS "t1"
          WHERE
            "t1"."ts" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
            AND "t1"."ts" >= MAKE_TIMESTAMPTZ(2026, 8, 30, 12, 0, 0.0, 'UTC')
            AND "t1"."name" IN ('purchase')
        ) AS "t7"
        LEFT OUTER JOIN (
          SELECT
            "t8"."anonymous_id" AS "link_anonymous_id",
            FIRST(
              "t8"."contact_id" ORDER BY {'at': "t8"."linked_at", 'id': "t8"."contact_id"} DESC
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
                  AND "t1"."ts" >= MAKE_TIMESTAMPTZ(2026, 8, 30, 12, 0, 0.0, 'UTC')
                  AND "t1"."name" IN ('purchase')
                  AND "t1"."contact_id" IS NULL
              )
          ) AS "t8"
          GROUP BY
            1
        ) AS "t10"
          ON "t7"."anonymous_id" = "t10"."link_anonymous_id"
      ) AS "t11"
      WHERE
        COALESCE("t11"."contact_id", "t11"."link_contact_id") IS NOT NULL
    ) AS "t12"
    GROUP BY
      1
  ) AS "t14"
    ON "t6"."contact_id" = "t14"."cid"
) AS "t15"
WHERE
  COALESCE(COALESCE("t15"."ev0", 0) > 1000, FALSE)
