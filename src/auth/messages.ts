// Texts of "Forgot password" (auth/password-reset-portal.ts), assembled with the others in src/messages.ts.
export const AUTH_MESSAGES_EN = {
  'reset.forgotLink': 'Forgot password?',
  'reset.requestTitle': 'Reset your password',
  'reset.requestHelp': 'Enter your account and the email you sign in with. If it belongs to a password sign-in, we send you a link to choose a new password.',
  'reset.email': 'Email',
  'reset.send': 'Send link',
  'reset.sent': 'If {email} signs in with a password in this account, a link to choose a new password is on its way. It works once, for {minutes} minutes.',
  'reset.backToLogin': 'Back to sign-in',
  'reset.newTitle': 'Choose a new password',
  'reset.newPassword': 'New password',
  'reset.newPasswordHelp': 'At least 10 characters.',
  'reset.confirm': 'Repeat the new password',
  'reset.save': 'Set password',
  'reset.tooShort': 'Use at least 10 characters.',
  'reset.mismatch': 'The two passwords are not the same.',
  'reset.invalidLink': 'This link does not work any more: it was already used or it expired. Ask for a new one.',
  'reset.done': 'Your password is changed and you were signed out everywhere. Sign in with the new password.',
  'reset.mailSubject': 'Reset your password for {account}',
  'reset.mailBody': 'Hello {name},\n\nSomeone (hopefully you) asked to reset the password you use to sign in to {account}.\nChoose a new password here (the link works once, for {minutes} minutes):\n\n{link}\n\nIf you did not ask for this, ignore this mail: your password stays as it is.\n\n{account}',
};

export const AUTH_MESSAGES_ES: Record<keyof typeof AUTH_MESSAGES_EN, string> = {
  'reset.forgotLink': '¿Has olvidado la contraseña?',
  'reset.requestTitle': 'Restablecer la contraseña',
  'reset.requestHelp': 'Escribe tu cuenta y el correo con el que inicias sesión. Si corresponde a un inicio de sesión con contraseña, te enviamos un enlace para elegir una nueva.',
  'reset.email': 'Correo electrónico',
  'reset.send': 'Enviar enlace',
  'reset.sent': 'Si {email} inicia sesión con contraseña en esta cuenta, le hemos enviado un enlace para elegir una nueva contraseña. Funciona una vez, durante {minutes} minutos.',
  'reset.backToLogin': 'Volver al inicio de sesión',
  'reset.newTitle': 'Elige una contraseña nueva',
  'reset.newPassword': 'Contraseña nueva',
  'reset.newPasswordHelp': 'Al menos 10 caracteres.',
  'reset.confirm': 'Repite la contraseña nueva',
  'reset.save': 'Guardar contraseña',
  'reset.tooShort': 'Usa al menos 10 caracteres.',
  'reset.mismatch': 'Las dos contraseñas no coinciden.',
  'reset.invalidLink': 'Este enlace ya no funciona: ya se usó o ha caducado. Pide uno nuevo.',
  'reset.done': 'Tu contraseña ha cambiado y se han cerrado todas tus sesiones. Inicia sesión con la contraseña nueva.',
  'reset.mailSubject': 'Restablece tu contraseña de {account}',
  'reset.mailBody': 'Hola, {name}:\n\nAlguien (esperamos que tú) ha pedido restablecer la contraseña con la que inicias sesión en {account}.\nElige una contraseña nueva aquí (el enlace funciona una vez, durante {minutes} minutos):\n\n{link}\n\nSi no lo has pedido tú, ignora este correo: tu contraseña no cambia.\n\n{account}',
};

declare module '../platform/i18n.js' {
  interface MessageCatalogue extends Record<keyof typeof AUTH_MESSAGES_EN, string> {}
}
