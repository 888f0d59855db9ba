<?php
/*
 * Blanca test harness: the SPs this IdP trusts, keyed by entity ID, from
 * harness-sps.json (rewritten by IdpHandle.addSp()/removeSp()).
 */
$sps = json_decode(file_get_contents(__DIR__ . '/harness-sps.json'), true, 64, JSON_THROW_ON_ERROR);
foreach ($sps as $entityId => $sp) {
    $metadata[(string) $entityId] = $sp;
}
