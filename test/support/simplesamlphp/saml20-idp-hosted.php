<?php
/*
 * Blanca test harness: the hosted IdP. All settings come from
 * harness-idp.json (built by test/support/simplesamlphp.ts).
 */
$idp = json_decode(file_get_contents(__DIR__ . '/harness-idp.json'), true, 64, JSON_THROW_ON_ERROR);
$metadata[$idp['entityid']] = $idp;
