SELECT
  "t0"."contact_id"
FROM "contacts" AS "t0"
WHERE
  "t0"."created_at" <= MAKE_TIMESTAMPTZ(2026, 11, 30, 12, 0, 0.0, 'UTC')
  AND COALESCE(
    (
      (
        (
          (
            (
              EXTRACT(month FROM "t0"."birth_date") * 100
            ) + EXTRACT(day FROM "t0"."birth_date")
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
