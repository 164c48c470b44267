SELECT
  "t0"."contact_id"
FROM "contacts" AS "t0"
WHERE
  "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  AND COALESCE(
    (
      "t0"."created_at" > MAKE_TIMESTAMPTZ(2026, 11, 23, 12, 0, 0.0, 'UTC')
    )
    AND (
      "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
    ),
    FALSE
  )
