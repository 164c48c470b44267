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
        "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."name" IN ('push_open')
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
        "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
        AND "t1"."name" IN ('push_sent')
        AND "t1"."contact_id" IS NULL
    )
)
SELECT
  "t35"."contact_id"
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
        "t33"."cid"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t29"."cid",
            "t29"."key",
            MAX("t29"."ts") AS "ts"
          FROM (
            SELECT
              COALESCE("t27"."contact_id", "t27"."link_contact_id") AS "cid",
              "t27"."ts",
              "t27"."event_id",
              "t27"."campaign_id" AS "key"
            FROM (
              SELECT
                "t9"."event_id",
                "t9"."contact_id",
                "t9"."anonymous_id",
                "t9"."name",
                "t9"."ts",
                "t9"."campaign_id",
                "t25"."link_anonymous_id",
                "t25"."link_contact_id"
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
                  "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
                  AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
                  AND "t1"."name" IN ('push_sent')
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
              AND "t27"."name" IN ('push_sent')
              AND "t27"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t27"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t27"."campaign_id" IS NOT NULL
          ) AS "t29"
          GROUP BY
            1,
            2
        ) AS "t31"
        WHERE
          "t31"."ts" <= CAST('2026-11-29T12:00:00+00:00' AS TIMESTAMPTZ)
      ) AS "t33"
      WHERE
        NOT EXISTS(
          SELECT
            1
          FROM (
            SELECT
              COALESCE("t26"."contact_id", "t26"."link_contact_id") AS "b_cid",
              "t26"."ts" AS "b_ts",
              "t26"."event_id" AS "b_event_id",
              "t26"."campaign_id" AS "b_key"
            FROM (
              SELECT
                "t8"."event_id",
                "t8"."contact_id",
                "t8"."anonymous_id",
                "t8"."name",
                "t8"."ts",
                "t8"."campaign_id",
                "t24"."link_anonymous_id",
                "t24"."link_contact_id"
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
                  "t1"."ts" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
                  AND "t1"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
                  AND "t1"."name" IN ('push_open')
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
              AND "t26"."name" IN ('push_open')
              AND "t26"."ts" > CAST('2026-11-23T12:00:00+00:00' AS TIMESTAMPTZ)
              AND "t26"."campaign_id" IS NOT NULL
          ) AS "t30"
          WHERE
            "t33"."cid" = "t30"."b_cid"
            AND "t30"."b_ts" >= "t33"."ts"
            AND "t33"."key" = "t30"."b_key"
        )
    )
) AS "t35"
