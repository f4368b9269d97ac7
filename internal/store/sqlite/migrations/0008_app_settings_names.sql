-- 0008: an app's settings document uses the store's own names (snake_case,
-- internal/store/appcodec), not the Sunshine wire's camelCase ones, so
-- that renaming a wire field never touches stored data.
--
-- Each document is rebuilt from the seven settings it knows. `->` yields
-- each value as JSON (true stays true; json_extract would give 1), and
-- json_patch onto {} leaves out the settings a document did not have, or
-- had as null: the codec reads those as unset (a nil retention, false).
-- Any other key is dropped: gatehouse never wrote one, and the codec now
-- refuses keys it does not know. A document that is not a JSON object is
-- left as it is, for the codec to report when the app is read, as it
-- already did (CASE, not AND: SQLite does not promise to test json_valid
-- first, and json_type fails on text that is not JSON).

UPDATE apps SET settings = json_patch('{}', json_object(
    'conversation_retention_seconds', settings -> '$.conversationRetentionSeconds',
    'mask_credit_card_numbers',       settings -> '$.maskCreditCardNumbers',
    'use_animal_names',               settings -> '$.useAnimalNames',
    'echo_postback',                  settings -> '$.echoPostback',
    'ignore_auto_conversation_start', settings -> '$.ignoreAutoConversationStart',
    'multi_convo_enabled',            settings -> '$.multiConvoEnabled',
    'app_localization_enabled',       settings -> '$.appLocalizationEnabled'))
WHERE CASE WHEN json_valid(settings) THEN json_type(settings) = 'object' ELSE 0 END;
