SELECT
  "t0"."contact_id"
FROM "contacts" AS "t0"
WHERE
  "t0"."created_at" <= CAST('2026-11-30T12:00:00+00:00' AS TIMESTAMPTZ)
  AND COALESCE("t0"."city" = 'Gdańsk', FALSE)
