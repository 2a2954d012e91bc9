import type { StateAccess } from '../../sandbox/store/state-access.js';
import type { DeviceService } from './device-service.js';

/** The device routes' service over the server's state: each call one transaction on `store.devices`. */
export function stateDeviceService(state: StateAccess): DeviceService {
  return {
    registerDevice: (publicKey, name) => state.run((store) => store.devices.register(publicKey, name)),
    devicePublicKey: (deviceId) => state.run((store) => store.devices.publicKey(deviceId)),
    createDevicePhrase: (deviceId) => state.run((store) => store.devices.createPhrase(deviceId)),
    deviceState: (deviceId) => state.run((store) => store.devices.state(deviceId)),
    deviceRespondToPairing: (deviceId, pairingId, accept) =>
      state.run((store) => store.devices.respondToPairing(deviceId, pairingId, accept)),
    deviceClaimQr: (deviceId, pairingId, secret) => state.run((store) => store.devices.claimQr(deviceId, pairingId, secret)),
    deviceOtpSecret: (deviceId, pairingId) => state.run((store) => store.devices.otpSecret(deviceId, pairingId)),
    deviceRemovePairing: (deviceId, pairingId) => state.run((store) => store.devices.removePairing(deviceId, pairingId)),
    deviceRespondToRequest: (deviceId, requestId, grant, automate) =>
      state.run((store) => store.devices.respondToRequest(deviceId, requestId, grant, automate)),
    setDevicePushSubscription: (deviceId, subscription) =>
      state.run((store) => store.devices.setPushSubscription(deviceId, subscription)),
  };
}
