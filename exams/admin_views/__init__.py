"""Staff screens of exams in Wagtail admin, one module per topic: banks and knowledge points, questions (form,
list, preview, bulk publish, regrade), exam definitions, qualifications, import, results and item statistics,
marking, score overrides; `menu` groups them under one menu and `urls` lists the tool pages. Registered by
exams.wagtail_hooks."""
