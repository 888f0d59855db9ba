import { SAML_FAILURES, type SamlFailureCode } from './saml/failures.js';

// The SAML failure catalogue in the portal's languages: which check refused the message, and the fix.
// English comes from saml/failures.ts (one source); a code added there needs its Spanish here (typed).
type FailureKey = `sso.check.${SamlFailureCode}` | `sso.fix.${SamlFailureCode}`;

const codes = Object.keys(SAML_FAILURES) as SamlFailureCode[];
/** The portal is white-label: the product's name never reaches the customer's administrators. */
const whiteLabel = (text: string) => text.replace(/Blanca's/g, "this platform's").replace(/\bBlanca\b/g, 'this platform');

export const FAILURE_MESSAGES_EN = {
  ...(Object.fromEntries(codes.flatMap((code) => [[`sso.check.${code}`, whiteLabel(SAML_FAILURES[code].check)], [`sso.fix.${code}`, whiteLabel(SAML_FAILURES[code].fix)]])) as Record<FailureKey, string>),
  // Where the verifier names the exact value to set, the catalogue does too.
  'sso.fix.destination_mismatch': "Set the Reply URL (Assertion Consumer Service URL) at the IdP (Entra: Basic SAML Configuration) to {acsUrl}.",
  'sso.fix.recipient_mismatch': "Set the Reply URL (Assertion Consumer Service URL) at the IdP (Entra: Basic SAML Configuration) to {acsUrl}.",
  'sso.fix.audience_mismatch': "Set the Identifier (Entity ID) at the IdP (Entra: Basic SAML Configuration) to {entityId}.",
  'sso.fix.issuer_mismatch': "Check that the IdP entity ID on the SSO tab equals the issuer the IdP sends (Entra: Microsoft Entra Identifier, under Single sign-on > Set up), or re-import the IdP metadata.",
};

export const FAILURE_MESSAGES_ES: Record<FailureKey, string> = {
  'sso.check.message_too_large': "tamaño del mensaje SAML, antes de decodificarlo",
  'sso.fix.message_too_large': "Quita las notificaciones que no hagan falta (p. ej. las de grupos) en Entra > Atributos y notificaciones, o pide al operador de la plataforma que suba el límite.",
  'sso.check.malformed_message': "sintaxis base64 y XML",
  'sso.fix.malformed_message': "Asegúrate de que el IDP envía a la URL ACS con el enlace HTTP-POST; puede que otro sistema esté enviando aquí.",
  'sso.check.doctype_forbidden': "sin DOCTYPE (XXE / expansión de entidades)",
  'sso.fix.doctype_forbidden': "Ningún IDP real envía un DOCTYPE: trátalo como un ataque.",
  'sso.check.wrong_message_type': "el elemento raíz es el mensaje SAML esperado (samlp:Response en el ACS)",
  'sso.fix.wrong_message_type': "Configura el IDP para que envíe una respuesta SAML 2.0 (no un token WS-Federation) a la URL ACS, y los mensajes de cierre de sesión a la URL de cierre de sesión.",
  'sso.check.idp_error_status': "el StatusCode principal es Success",
  'sso.fix.idp_error_status': "El IDP ha rechazado el inicio de sesión; su propio registro (Entra > Registros de inicio de sesión) indica la causa.",
  'sso.check.assertion_missing': "exactamente una aserción",
  'sso.fix.assertion_missing': "Configura el IDP para que incluya una aserción en su respuesta.",
  'sso.check.multiple_assertions': "exactamente una aserción",
  'sso.fix.multiple_assertions': "Los IDP reales envían una sola aserción: trátalo como un ataque (signature wrapping).",
  'sso.check.encrypted_assertion_without_key': "la EncryptedAssertion se puede descifrar",
  'sso.fix.encrypted_assertion_without_key': "Desactiva el cifrado de tokens en Entra, o sube el certificado de cifrado de los metadatos del SP.",
  'sso.check.decryption_failed': "la EncryptedAssertion se puede descifrar",
  'sso.fix.decryption_failed': "Vuelve a subir al IDP los metadatos actuales del SP (su certificado de cifrado).",
  'sso.check.signature_missing': "la aserción está firmada",
  'sso.fix.signature_missing': "En Entra > Inicio de sesión único > Certificados SAML > Opción de firma, elige «Firmar aserción SAML» o «Firmar respuesta y aserción SAML».",
  'sso.check.signature_invalid': "la firma XML se verifica con un certificado del IDP configurado",
  'sso.fix.signature_invalid': "Vuelve a importar los metadatos del IDP: puede que haya cambiado el certificado de firma. Si sigue fallando, el mensaje se alteró por el camino.",
  'sso.check.signature_wrapping': "la firma cubre la misma respuesta o aserción que se lee (sin wrapping)",
  'sso.fix.signature_wrapping': "Los IDP reales nunca envían esta forma: trátalo como un ataque (XML signature wrapping).",
  'sso.check.certificate_not_configured': "el certificado del KeyInfo de la firma es un certificado del IDP configurado",
  'sso.fix.certificate_not_configured': "Vuelve a importar los metadatos del IDP (Entra puede haber activado un certificado de firma nuevo), o añade el certificado a mano.",
  'sso.check.weak_signature_algorithm': "la firma y el resumen usan SHA-256 o superior",
  'sso.fix.weak_signature_algorithm': "En Entra > Certificados SAML pon el Algoritmo de firma en SHA-256, o (no recomendado) permite SHA-1 para esta cuenta.",
  'sso.check.destination_mismatch': "el Destination de la respuesta es la URL ACS",
  'sso.fix.destination_mismatch': "Pon la URL de respuesta (URL del Servicio de consumidor de aserciones) en el IDP (Entra: Configuración básica de SAML) en {acsUrl}.",
  'sso.check.issuer_mismatch': "el Issuer es el ID de entidad del IDP configurado",
  'sso.fix.issuer_mismatch': "Comprueba que el ID de entidad del IDP de la pestaña SSO es el emisor que envía el IDP (Entra: Identificador de Microsoft Entra, en Inicio de sesión único > Configurar), o vuelve a importar los metadatos del IDP.",
  'sso.check.in_response_to_mismatch': "el InResponseTo de la respuesta es el de la aserción",
  'sso.fix.in_response_to_mismatch': "La respuesta se alteró por el camino: trátalo como un ataque.",
  'sso.check.unsolicited_response': "hay InResponseTo (el inicio de sesión desde el IDP está desactivado)",
  'sso.fix.unsolicited_response': "Empieza el inicio de sesión desde la página de inicio de sesión, o permite el inicio de sesión desde el IDP (Entra Mis aplicaciones) para esta cuenta.",
  'sso.check.in_response_to_unknown': "el InResponseTo nombra una solicitud enviada y todavía sin usar",
  'sso.fix.in_response_to_unknown': "Vuelve a empezar el inicio de sesión desde la página de inicio de sesión; la solicitud puede haber caducado o ya se ha usado.",
  'sso.check.subject_confirmation_missing': "una SubjectConfirmation bearer con NotOnOrAfter",
  'sso.fix.subject_confirmation_missing': "La respuesta del IDP no sigue el perfil SAML Web Browser SSO; revisa su configuración SAML.",
  'sso.check.recipient_mismatch': "el Recipient de SubjectConfirmationData es la URL ACS",
  'sso.fix.recipient_mismatch': "Pon la URL de respuesta (URL del Servicio de consumidor de aserciones) en el IDP (Entra: Configuración básica de SAML) en {acsUrl}.",
  'sso.check.not_yet_valid': "NotBefore ≤ ahora + margen de reloj",
  'sso.fix.not_yet_valid': "El reloj del IDP o el del servidor está mal; comprueba NTP en el servidor.",
  'sso.check.expired': "ahora − margen de reloj < NotOnOrAfter",
  'sso.fix.expired': "Vuelve a iniciar sesión; si sigue fallando, comprueba los relojes de los servidores (NTP).",
  'sso.check.audience_mismatch': "la Audience es el ID de entidad del SP",
  'sso.fix.audience_mismatch': "Pon el Identificador (ID de entidad) en el IDP (Entra: Configuración básica de SAML) en {entityId}.",
  'sso.check.name_id_missing': "el Subject tiene un NameID",
  'sso.fix.name_id_missing': "En Entra > Atributos y notificaciones, establece la notificación Identificador de usuario único (ID de nombre).",
  'sso.check.replayed_assertion': "el ID de la aserción no se ha usado antes",
  'sso.fix.replayed_assertion': "Vuelve a iniciar sesión; una respuesta usada no se puede enviar dos veces (botón Atrás del navegador o un ataque).",
  'sso.check.logout_status_not_success': "el StatusCode de LogoutResponse es Success",
  'sso.fix.logout_status_not_success': "El IDP no ha podido cerrar la sesión; puede que la persona siga con la sesión iniciada en el IDP.",
};
