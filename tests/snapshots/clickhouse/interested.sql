WITH "t7" AS (
  SELECT
    *
  FROM "identities" AS "t2"
  WHERE
    CAST("t2"."anonymous_id" IN (
      SELECT
        "t1"."anonymous_id" AS "anonymous_id"
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
        AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
        AND "t1"."name" IN ('page_view')
        AND isNull("t1"."contact_id")
    ) AS Nullable(Bool))
), "t15" AS (
  SELECT
    "t6"."event_id" AS "event_id",
    "t6"."contact_id" AS "contact_id",
    "t6"."anonymous_id" AS "anonymous_id",
    "t6"."name" AS "name",
    "t6"."ts" AS "ts",
    "t6"."product_id" AS "product_id",
    "t14"."link_anonymous_id" AS "link_anonymous_id",
    "t14"."link_contact_id" AS "link_contact_id"
  FROM (
    SELECT
      "t1"."event_id" AS "event_id",
      "t1"."contact_id" AS "contact_id",
      "t1"."anonymous_id" AS "anonymous_id",
      "t1"."name" AS "name",
      "t1"."ts" AS "ts",
      "t1"."product_id" AS "product_id"
    FROM "events" AS "t1"
    WHERE
      "t1"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
      AND "t1"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
      AND "t1"."name" IN ('page_view')
  ) AS "t6"
  LEFT OUTER JOIN (
    SELECT
      "t12"."anonymous_id" AS "link_anonymous_id",
      MAX("t12"."contact_id") AS "link_contact_id"
    FROM (
      SELECT
        "t9"."anonymous_id" AS "anonymous_id",
        "t9"."contact_id" AS "contact_id",
        "t9"."linked_at" AS "linked_at",
        "t11"."latest_at" AS "latest_at"
      FROM "t7" AS "t9"
      INNER JOIN (
        SELECT
          "t8"."anonymous_id" AS "anonymous_id",
          MAX("t8"."linked_at") AS "latest_at"
        FROM "t7" AS "t8"
        GROUP BY
          "t8"."anonymous_id"
      ) AS "t11"
        ON "t9"."anonymous_id" = "t11"."anonymous_id"
        AND "t9"."linked_at" = "t11"."latest_at"
    ) AS "t12"
    GROUP BY
      "t12"."anonymous_id"
  ) AS "t14"
    ON "t6"."anonymous_id" = "t14"."link_anonymous_id"
)
SELECT
  "t22"."contact_id" AS "contact_id"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t0"."contact_id" AS "contact_id",
      "t0"."created_at" AS "created_at"
    FROM "contacts" AS "t0"
    WHERE
      "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  ) AS "t3"
  WHERE
    CAST("t3"."contact_id" IN (
      SELECT
        "t19"."cid_0" AS "cid_0"
      FROM (
        SELECT
          COALESCE("t16"."contact_id", "t16"."link_contact_id") AS "cid_0",
          "t16"."ts" AS "ts_0",
          "t16"."event_id" AS "event_id_0",
          "t16"."product_id" AS "key_0"
        FROM "t15" AS "t16"
        WHERE
          isNotNull(COALESCE("t16"."contact_id", "t16"."link_contact_id"))
          AND TRUE
          AND "t16"."name" IN ('page_view')
          AND COALESCE(isNotNull("t16"."product_id") AND (
            "t16"."product_id" <> ''
          ), FALSE)
          AND "t16"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
          AND "t16"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
          AND isNotNull("t16"."product_id")
      ) AS "t19"
      INNER JOIN (
        SELECT
          COALESCE("t16"."contact_id", "t16"."link_contact_id") AS "cid_1",
          "t16"."ts" AS "ts_1",
          "t16"."event_id" AS "event_id_1",
          "t16"."product_id" AS "key_1"
        FROM "t15" AS "t16"
        WHERE
          isNotNull(COALESCE("t16"."contact_id", "t16"."link_contact_id"))
          AND TRUE
          AND "t16"."name" IN ('page_view')
          AND COALESCE(isNotNull("t16"."product_id") AND (
            "t16"."product_id" <> ''
          ), FALSE)
          AND "t16"."ts" > parseDateTimeBestEffort('2026-11-23T12:00:00+00:00', 'UTC')
          AND "t16"."ts" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
          AND isNotNull("t16"."product_id")
      ) AS "t20"
        ON "t19"."cid_0" = "t20"."cid_1"
        AND "t20"."ts_1" >= "t19"."ts_0"
        AND "t20"."event_id_1" <> "t19"."event_id_0"
        AND "t20"."key_1" = "t19"."key_0"
        AND "t20"."ts_1" <= (
          "t19"."ts_0" + INTERVAL '604800' SECOND
        )
    ) AS Nullable(Bool))
) AS "t22"
