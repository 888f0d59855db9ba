<?php
/*
 * Blanca test harness: authentication sources. The users live in
 * harness-users.json ("username:password" => attributes), rewritten by
 * IdpHandle.setUsers(); it is re-read on every request.
 */
$users = json_decode(file_get_contents(__DIR__ . '/harness-users.json'), true, 64, JSON_THROW_ON_ERROR);

$userpass = ['exampleauth:UserPass'];
foreach ($users as $userAndPassword => $attributes) {
    $userpass[(string) $userAndPassword] = $attributes;
}

$config = [
    'admin' => ['core:AdminPassword'],
    'harness-users' => $userpass,
];
