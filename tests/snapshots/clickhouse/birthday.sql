SELECT
  "t0"."contact_id" AS "contact_id"
FROM "contacts" AS "t0"
WHERE
  "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  AND COALESCE(
    (
      toMonth("t0"."birth_date") * 100
    ) + toDayOfMonth("t0"."birth_date") BETWEEN 1130 AND 1207
    OR (
      toMonth("t0"."birth_date") * 100
    ) + toDayOfMonth("t0"."birth_date") BETWEEN 1 AND 0,
    FALSE
  )
