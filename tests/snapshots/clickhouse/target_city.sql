SELECT
  "t0"."contact_id" AS "contact_id"
FROM "contacts" AS "t0"
WHERE
  "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  AND COALESCE("t0"."city" = 'Gdańsk', FALSE)
