"""Every word the app shows: Spanish and English strings (:mod:`~app.texts.i18n`) and the user's
own text shown as text, never as Markdown or a link (:mod:`~app.texts.text`)."""
