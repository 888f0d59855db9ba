<?php
// Test harness only, loaded with php's auto_prepend_file before every SimpleSAMLphp script.
// Makes the IdP compare the NameID of an SP's LogoutRequest with the rules in
// harness-strict-logout.json (Format, NameQualifier, SPNameQualifier, exactly), as Entra and other
// IdPs do: on a mismatch it answers a signed LogoutResponse Responder / RequestDenied and keeps its
// session. Without the rules file, or for any other script, it does nothing.
(function () {
    $endpoint = '/saml2/idp/SingleLogoutService.php';
    $script = $_SERVER['SCRIPT_FILENAME'] ?? '';
    if (substr($script, -strlen($endpoint)) !== $endpoint || !isset($_GET['SAMLRequest'])) {
        return;
    }
    $rulesText = @file_get_contents(getenv('SIMPLESAMLPHP_CONFIG_DIR') . '/harness-strict-logout.json');
    $rules = $rulesText === false ? null : json_decode($rulesText, true);
    if (!is_array($rules) || count($rules) === 0) {
        return;
    }
    $xml = @gzinflate(base64_decode($_GET['SAMLRequest']));
    if ($xml === false) {
        return;
    }
    $doc = new DOMDocument();
    if (!@$doc->loadXML($xml, LIBXML_NONET)) {
        return;
    }
    $xpath = new DOMXPath($doc);
    $xpath->registerNamespace('saml', 'urn:oasis:names:tc:SAML:2.0:assertion');
    $nameId = $xpath->query('//saml:NameID')->item(0);
    if (!$nameId) {
        return;
    }
    $problems = [];
    foreach (['Format' => 'format', 'NameQualifier' => 'nameQualifier', 'SPNameQualifier' => 'spNameQualifier'] as $attribute => $key) {
        if (!array_key_exists($key, $rules)) {
            continue;
        }
        $got = $nameId->hasAttribute($attribute) ? $nameId->getAttribute($attribute) : null;
        if ($got !== $rules[$key]) {
            $problems[] = $attribute . ' ' . var_export($got, true) . ' is not ' . var_export($rules[$key], true);
        }
    }
    if (count($problems) === 0) {
        return;
    }

    require_once '/usr/share/simplesamlphp/www/_include.php';
    $metadata = \SimpleSAML\Metadata\MetaDataStorageHandler::getMetadataHandler();
    $idpEntityId = $metadata->getMetaDataCurrentEntityID('saml20-idp-hosted');
    $idpMetadata = $metadata->getMetaDataConfig($idpEntityId, 'saml20-idp-hosted');
    $request = \SAML2\Binding::getCurrentBinding()->receive();
    $issuer = $request->getIssuer();
    $spEntityId = is_object($issuer) ? $issuer->getValue() : $issuer;
    $spMetadata = $metadata->getMetaDataConfig($spEntityId, 'saml20-sp-remote');
    $response = \SimpleSAML\Module\saml\Message::buildLogoutResponse($idpMetadata, $spMetadata);
    $response->setRelayState($request->getRelayState());
    $response->setInResponseTo($request->getId());
    $message = 'The NameID does not match the session: ' . implode('; ', $problems);
    $response->setStatus([
        'Code' => \SAML2\Constants::STATUS_RESPONDER,
        'SubCode' => \SAML2\Constants::STATUS_REQUEST_DENIED,
        'Message' => $message,
    ]);
    $destination = $spMetadata->getEndpointPrioritizedByBinding('SingleLogoutService', [\SAML2\Constants::BINDING_HTTP_REDIRECT]);
    $response->setDestination($destination['Location']);
    \SimpleSAML\Logger::warning('harness strict logout: ' . $message);
    $binding = new \SAML2\HTTPRedirect();
    $binding->setDestination($destination['Location']);
    $binding->send($response);
    exit;
})();
