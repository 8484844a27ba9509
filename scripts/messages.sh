#!/usr/bin/env bash
# Regenerate and compile the zh_Hans catalogue of one app (or all): scripts/messages.sh [app …]
set -euo pipefail
cd "$(dirname "$0")/.."
apps=("$@"); [ ${#apps[@]} -eq 0 ] && apps=(cms exams courses mentorship appraisal analytics)
for app in "${apps[@]}"; do
  mkdir -p "$app/locale"
  (cd "$app" && DJANGO_SETTINGS_MODULE=cms.settings.dev PYTHONPATH=.. ../.venv/bin/django-admin makemessages \
     -l zh_Hans --ignore 'migrations/*' --no-obsolete --no-location --no-wrap -v 0)
  (cd "$app" && DJANGO_SETTINGS_MODULE=cms.settings.dev PYTHONPATH=.. ../.venv/bin/django-admin compilemessages -l zh_Hans -v 0)
done
