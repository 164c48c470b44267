SELECT
  "t0"."contact_id" AS "contact_id"
FROM "contacts" AS "t0"
WHERE
  "t0"."created_at" <= parseDateTimeBestEffort('2026-11-30T12:00:00+00:00', 'UTC')
  AND COALESCE(
    (
      (
        (
          (
            (
              toMonth("t0"."birth_date") * 100
            ) + toDayOfMonth("t0"."birth_date")
          ) - 1130
        ) + 1300
      ) % 1300
    ) <= (
      (
        (
          1207 - 1130
        ) + 1300
      ) % 1300
    ),
    FALSE
  )
