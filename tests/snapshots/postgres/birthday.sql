SELECT
  "t0"."contact_id"
FROM "contacts" AS "t0"
WHERE
  "t0"."created_at" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
  AND COALESCE(
    (
      EXTRACT(month FROM "t0"."birth_date") * 100
    ) + EXTRACT(day FROM "t0"."birth_date") IN (1130, 1201, 1202, 1203, 1204, 1205, 1206, 1207),
    FALSE
  )
